ArchiveSearch.register("865b2c104019d559/a41",["D","D"]);
