import FabricCore
import FabricSimulation
import Testing

/// Toy protocol 2: ping/pong with a timeout at a configured drop rate loses about what the drop
/// rate says (a ping or its pong lost: 1 − (1 − p)²), bounded statistically, per seed.
@Suite struct PingLossTests {
    @Test(arguments: [0.0, 0.05, 0.2])
    func lossesMatchTheDropRate(loss: Double) throws {
        try forEachSeed { seed in
            var configuration = SimulationConfiguration()
            configuration.network = LinkConditions(latency: .milliseconds(5), jitter: .milliseconds(10), loss: loss)
            let (simulation, tally) = pingSimulation(seed: seed, configuration: configuration)
            try simulation.run(until: .at(.seconds(100)) + .milliseconds(1))
            let pings = tally.answered + tally.lost
            #expect(pings == 1000, "seed \(seed): \(pings) pings settled")
            let expected = Double(pings) * (1 - (1 - loss) * (1 - loss))
            let deviation = (Double(pings) * (1 - (1 - loss) * (1 - loss)) * (1 - loss) * (1 - loss)).squareRoot()
            #expect(abs(Double(tally.lost) - expected) <= 5 * deviation + 0.5,
                    "seed \(seed): lost \(tally.lost) of \(pings), expected \(expected) ± \(5 * deviation)")
            let figures = simulation.figures
            #expect(figures.dropped(.loss) == figures.total.messagesDropped)
            #expect(figures.total.messagesSent == figures.total.messagesDelivered + figures.total.messagesDropped
                    + inFlight(figures))
        }
    }

    /// Messages still travelling when the run stopped (at most the last ping or pong).
    func inFlight(_ figures: SimulationFigures) -> Int {
        figures.total.messagesSent - figures.total.messagesDelivered - figures.total.messagesDropped
    }

    @Test func latencyAboveTheTimeoutLosesEveryPing() throws {
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(30), jitter: .zero)
        let (simulation, tally) = pingSimulation(seed: 1, configuration: configuration)
        try simulation.run(until: .at(.seconds(1)) + .milliseconds(1))
        #expect(tally.answered == 0)
        #expect(tally.lost == 10)
        #expect(tally.pinged == 10)
    }

    @Test func duplicationDeliversCopiesAndCountsThem() throws {
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(1), jitter: .milliseconds(1), duplication: 0.5)
        let (simulation, tally) = pingSimulation(seed: 3, configuration: configuration)
        try simulation.run(until: .at(.milliseconds(9950)))
        let figures = simulation.figures
        #expect(figures.total.messagesDuplicated > 0)
        #expect(figures.total.messagesDelivered == figures.total.messagesSent + figures.total.messagesDuplicated)
        #expect(tally.pinged > 100, "the ponger saw each duplicated ping as another ping")
        #expect(tally.lost == 0)
    }
}
