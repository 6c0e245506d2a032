ArchiveSearch.register("865b2c104019d559/a0",["~W","~W"]);
