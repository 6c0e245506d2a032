ArchiveSearch.register("865b2c104019d559/a18",["D","D"]);
