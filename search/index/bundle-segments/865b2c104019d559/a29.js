ArchiveSearch.register("865b2c104019d559/a29",["~J","~J"]);
