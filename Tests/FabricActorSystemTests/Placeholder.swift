// Tests for FabricActorSystem arrive with the module's code.
