ArchiveSearch.register("865b2c104019d559/a40",["D","D"]);
