ArchiveSearch.register("865b2c104019d559/a35",["~Y","~Y"]);
