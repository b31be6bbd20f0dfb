import FabricCore
import FabricSimulation
import Testing

@Suite struct SimulationSeedsTests {
    @Test func replayVariableNamesOneSeed() throws {
        #expect(try SimulationSeeds.seeds(environment: ["FABRIC_SIM_SEED": "12345", "FABRIC_SIM_SEEDS": "9"], defaultCount: 4) == [12345])
        #expect(try SimulationSeeds.seeds(environment: ["FABRIC_SIM_SEED": "0xff"], defaultCount: 4) == [255])
    }

    @Test func countVariableSetsHowMany() throws {
        let four = try SimulationSeeds.seeds(environment: [:], defaultCount: 4)
        let nine = try SimulationSeeds.seeds(environment: ["FABRIC_SIM_SEEDS": "9"], defaultCount: 4)
        #expect(four.count == 4 && nine.count == 9)
        #expect(Array(nine.prefix(4)) == four, "the same count runs the same seeds")
        #expect(Set(nine).count == 9)
    }

    @Test func badValuesAreRefused() {
        for environment in [["FABRIC_SIM_SEED": "seven"], ["FABRIC_SIM_SEEDS": "0"], ["FABRIC_SIM_SEEDS": "many"],
                            ["FABRIC_SIM_SEEDS": "\(Limits.simulationSeedsMax + 1)"]] {
            #expect(throws: FabricError.self, "\(environment)") { try SimulationSeeds.seeds(environment: environment, defaultCount: 1) }
        }
    }
}
