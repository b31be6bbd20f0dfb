import FabricCore
import FabricSimulation
import Testing

/// Toy protocol 5: a one-way cut blocks one direction only, and a restore or heal ends it.
@Suite struct OneWayPartitionTests {
    @Test func aCutBlocksOneDirectionOnly() throws {
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(5), jitter: .milliseconds(5))
        let (simulation, tally) = pingSimulation(seed: 21, configuration: configuration)
        let pinger = simulation.nodeIDs[0], ponger = simulation.nodeIDs[1]
        // The ponger can no longer answer: its pings still arrive (it counts them), its pongs do not.
        simulation.at(.seconds(1)) { $0.cut(from: ponger, to: pinger) }
        simulation.at(.seconds(2)) { $0.restore(from: ponger, to: pinger) }
        try simulation.run(until: .at(.milliseconds(995)))
        #expect(tally.lost == 0)
        let answeredBefore = tally.answered
        let pingedBefore = tally.pinged
        #expect(simulation.faults.canDeliver(from: pinger, to: ponger))
        try simulation.run(until: .at(.milliseconds(1_995)))
        #expect(!simulation.faults.canDeliver(from: ponger, to: pinger))
        #expect(simulation.faults.canDeliver(from: pinger, to: ponger))
        #expect(!simulation.faults.isLiveAndReachable(ponger, from: pinger))
        #expect(simulation.faults.splitSince == .at(.seconds(1)))
        #expect(tally.answered - answeredBefore <= 1, "a pong in flight before the cut, at most")
        #expect(tally.lost >= 9)
        #expect(tally.pinged - pingedBefore == 10, "pings still cross while pongs cannot")
        #expect(simulation.figures.dropped(.partition) >= 9)
        let lostDuringCut = tally.lost
        try simulation.run(until: .at(.milliseconds(3_000)))
        #expect(simulation.faults.splitSince == nil)
        #expect(simulation.faults.lastChange(of: pinger) == .at(.seconds(2)))
        #expect(tally.lost - lostDuringCut <= 1, "answers come back after the restore")
    }

    @Test func aPartitionIsSymmetricAndHealEndsIt() throws {
        let ids = nodeNames(4)
        let simulation = rumorSimulation(seed: 1, count: 4)
        simulation.partition([ids[0], ids[1]])
        #expect(!simulation.faults.canDeliver(from: ids[0], to: ids[2]))
        #expect(!simulation.faults.canDeliver(from: ids[2], to: ids[0]))
        #expect(simulation.faults.canDeliver(from: ids[2], to: ids[3]), "the unlisted nodes form one group")
        #expect(simulation.faults.canDeliver(from: ids[1], to: ids[0]))
        simulation.cut(from: ids[0], to: ids[1])
        simulation.heal()
        #expect(ids.allSatisfy { a in ids.allSatisfy { b in simulation.faults.canDeliver(from: a, to: b) } })
    }

    /// A message already in flight when the partition starts is lost on arrival.
    @Test func aMessageInFlightIsLostWhenThePathIsCut() throws {
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(40), jitter: .zero)
        let (simulation, tally) = pingSimulation(seed: 2, configuration: configuration)
        simulation.at(.milliseconds(20)) { $0.isolate($0.nodeIDs[1]) }
        try simulation.run(until: .at(.milliseconds(99)))
        #expect(tally.pinged == 0, "the first ping was on its way when the ponger was isolated")
        #expect(simulation.figures.dropped(.partition) == 1)
    }

    /// A per-link override applies to its direction only, and removing it restores the default.
    @Test func aLinkOverrideAppliesToItsDirectionOnly() throws {
        var configuration = SimulationConfiguration()
        configuration.network = LinkConditions(latency: .milliseconds(1), jitter: .zero)
        let (simulation, tally) = pingSimulation(seed: 6, configuration: configuration)
        let pinger = simulation.nodeIDs[0], ponger = simulation.nodeIDs[1]
        simulation.setLink(from: ponger, to: pinger, LinkConditions(latency: .milliseconds(1), jitter: .zero, loss: 1))
        simulation.at(.milliseconds(1_000)) { $0.setLink(from: ponger, to: pinger, nil) }
        try simulation.run(until: .at(.milliseconds(995)))
        #expect(tally.pinged == 10 && tally.answered == 0 && tally.lost == 10)
        #expect(simulation.figures.dropped(.loss) == 10)
        #expect(simulation.figures.perNode[1].messagesDropped == 10, "drops count against the sender")
        try simulation.run(until: .at(.milliseconds(1_995)))
        #expect(tally.answered == 10)
    }
}
