// Fabric: built in the following commits.
