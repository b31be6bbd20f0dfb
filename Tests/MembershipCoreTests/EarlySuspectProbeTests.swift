import FabricCore
import Testing
@testable import MembershipCore

/// `SWIMConfiguration.probesSuspectsEarly`: a member that hears another's suspicion probes the
/// suspect in its next period, out of turn, at most every other period.
@Suite struct EarlySuspectProbeTests {
    /// The pings of the next `periods` periods, acknowledged at once so no probe fails.
    static func probeTargets(_ core: inout MembershipCore, periods: Int, random: inout SeededRandom) -> [NodeId] {
        var targets: [NodeId] = []
        for _ in 0..<periods {
            let now = core.nextProbeAt
            for (message, to) in Fixture.sends(core.onTimer(now: now, random: &random)) {
                guard case .ping(_, let sequence, _) = message else { continue }
                targets.append(to)
                _ = core.onMessage(
                    .ack(Fixture.header(from: Fixture.member(to.name)), sequence: sequence, target: to),
                    now: now, random: &random)
            }
        }
        return targets
    }

    /// Hearing b's suspicion of g, a probes g in its very next period (its own round-robin
    /// would reach g anywhere in the next 7), carrying the suspicion (the buddy system).
    @Test func aSuspicionHeardIsProbedNextPeriod() throws {
        let others = ["b", "c", "d", "e", "f", "g", "h"]
        var core = Fixture.core("a", knowing: others)
        var random = SeededRandom(seed: 5)
        let suspicion = Fixture.update(Fixture.member("g", .suspect), by: "b")
        _ = core.onMessage(.gossip(Fixture.header(from: Fixture.member("b"), gossip: [suspicion])), now: Fixture.start, random: &random)
        #expect(core.member(Fixture.node("g"))?.status == .suspect)
        let now = core.nextProbeAt
        let pings = Fixture.sends(core.onTimer(now: now, random: &random)).filter {
            if case .ping = $0.message { return true } else { return false }
        }
        let (ping, target) = try #require(pings.first)
        #expect(target == Fixture.node("g"))
        #expect(ping.header.gossip.first?.member.node == Fixture.node("g"), "the suspicion goes first")
    }

    /// Early probes alternate with the round-robin: with suspicions heard all the time, the
    /// order still advances every other period, so a dead member is still found.
    @Test func earlyProbesNeverStarveTheRoundRobin() {
        let others = ["b", "c", "d", "e", "f", "g", "h"]
        var core = Fixture.core("a", knowing: others)
        var random = SeededRandom(seed: 9)
        var targets: [NodeId] = []
        for period in 0..<14 {
            // Someone suspects one of c..h before every period.
            let suspect = others[2 + period % 5]
            let rumour = Fixture.update(Fixture.member(suspect, .suspect, UInt64(period)), by: "b")
            _ = core.onMessage(.gossip(Fixture.header(from: Fixture.member("b"), gossip: [rumour])), now: core.nextProbeAt, random: &random)
            targets += Self.probeTargets(&core, periods: 1, random: &random)
        }
        #expect(targets.count == 14)
        // b is never suspected: only the round-robin probes it, and it must get there.
        #expect(targets.contains(Fixture.node("b")), "the round-robin never advanced: \(targets)")
        #expect(Set(targets) == Set(others.map(Fixture.node)), "every member was probed: \(targets)")
        #expect(core.counters.probesSent == 14)
    }

    /// Off (or with Lifeguard off), the next probe is the round-robin's, whoever is suspected.
    @Test func offMeansTheRoundRobinOnly() {
        var configuration = SWIMConfiguration.lan
        configuration.probesSuspectsEarly = false
        let others = ["b", "c", "d", "e", "f", "g", "h"]
        var heard = Fixture.core("a", knowing: others, configuration: configuration)
        var quiet = Fixture.core("a", knowing: others, configuration: configuration)
        var randomHeard = SeededRandom(seed: 5)
        var randomQuiet = SeededRandom(seed: 5)
        let suspicion = Fixture.update(Fixture.member("g", .suspect), by: "b")
        _ = heard.onMessage(.gossip(Fixture.header(from: Fixture.member("b"), gossip: [suspicion])), now: Fixture.start, random: &randomHeard)
        _ = quiet.onMessage(.gossip(Fixture.header(from: Fixture.member("b"))), now: Fixture.start, random: &randomQuiet)
        #expect(Self.probeTargets(&heard, periods: 3, random: &randomHeard) == Self.probeTargets(&quiet, periods: 3, random: &randomQuiet))
    }
}
