ArchiveSearch.register("865b2c104019d559/a76",["~M","~M"]);
