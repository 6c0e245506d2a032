ArchiveSearch.register("865b2c104019d559/a42",["D","D"]);
