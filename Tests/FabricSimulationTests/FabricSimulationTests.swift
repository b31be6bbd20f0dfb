// The tests of FabricSimulation live in this target.
