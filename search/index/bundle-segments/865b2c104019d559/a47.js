ArchiveSearch.register("865b2c104019d559/a47",["D","D"]);
