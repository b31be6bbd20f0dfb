// FabricActorSystem: built in the following commits.
