import FabricCore
import FabricSimulation
import Testing

/// Toy protocol 6: an invariant violated on purpose stops the run with the seed, the time, the
/// event count and the trace tail, and the same seed replays the same failure.
@Suite struct FailureReplayTests {
    /// Violated once the ponger has been pinged `limit` times: when depends on loss, so on the seed.
    struct FewerPingsThan: SimulationInvariant {
        typealias Node = PingNode
        let name = "fewer pings than the limit"
        let limit: Int
        var pings = 0

        mutating func observe(_ event: PingNode.Event, from node: NodeId, in view: SimulationView<PingNode>) -> String? {
            if case .pinged = event { pings += 1 }
            return pings >= limit ? "\(node) was pinged \(pings) times by \(view.time)" : nil
        }

        func check(_ view: SimulationView<PingNode>) -> String? { nil }
    }

    func failingRun(seed: UInt64) throws -> SimulationFailure {
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(5), jitter: .milliseconds(20), loss: 0.3)
        configuration.traceTail = 12
        let (simulation, _) = pingSimulation(seed: seed, configuration: configuration)
        simulation.add(FewerPingsThan(limit: 50))
        return try #require(throws: SimulationFailure.self) { try simulation.run(for: .seconds(60)) }
    }

    @Test func aViolationReportsTheSeedAndReplaysIdentically() throws {
        let seed: UInt64 = 0xDEC0DE
        let failure = try failingRun(seed: seed)
        #expect(failure.seed == seed)
        #expect(failure.reason == .invariantViolated("fewer pings than the limit"))
        #expect(failure.trace.count == 12)
        #expect(failure.description.contains("FABRIC_SIM_SEED=\(seed)"))
        #expect(failure.description.contains("--seed \(seed)"))
        #expect(failure.description.contains("n1 was pinged 50 times"))
        #expect(failure.trace.last!.contains("observe n1"), "the failing event closes the trace: \(failure.trace.last!)")
        let replay = try failingRun(seed: seed)
        #expect(replay.time == failure.time)
        #expect(replay.eventsProcessed == failure.eventsProcessed)
        #expect(replay.trace == failure.trace)
        #expect(replay.description == failure.description)
    }

    @Test func anotherSeedFailsElsewhere() throws {
        let one = try failingRun(seed: 1), other = try failingRun(seed: 2)
        #expect(one.time != other.time || one.trace != other.trace)
    }

    @Test func aFailedRunKeepsFailing() throws {
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(1), jitter: .zero)
        let (simulation, _) = pingSimulation(seed: 3, configuration: configuration)
        simulation.add(FewerPingsThan(limit: 3))
        let first = try #require(throws: SimulationFailure.self) { try simulation.run(for: .seconds(10)) }
        #expect(first.time == .at(.milliseconds(201)))
        let again = try #require(throws: SimulationFailure.self) { try simulation.run(for: .seconds(10)) }
        #expect(again.time == first.time)
    }
}
