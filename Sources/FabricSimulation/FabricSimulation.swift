// FabricSimulation: a simulated clock and network driving many nodes' pure cores in one
// process, with invariant checkers and replayable seeds (DESIGN.md §7). Never the reactor.
