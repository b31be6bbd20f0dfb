import FabricCore
import Testing
@testable import MembershipCore

/// Suspicion, refutation and local health: SWIM §4.2, Lifeguard §IV-A, §IV-B, §IV-C.
@Suite struct SuspicionTests {
    static let second = Duration.seconds(1)

    /// Lifeguard §IV-B: min = α·max(1, log10 n)·interval, max = β·min, the timeout shrinking
    /// as max − (max − min)·ln(c + 1)/ln(K + 1) and never below min.
    @Test func dynamicTimeoutFormula() {
        let minimum = Duration.seconds(4)
        let maximum = Duration.seconds(24)
        #expect(MembershipCore.suspicionTimeout(minimum: minimum, maximum: maximum, expected: 2, confirmations: 0) == maximum)
        let one = MembershipCore.suspicionTimeout(minimum: minimum, maximum: maximum, expected: 2, confirmations: 1)
        // 24 − 20·ln 2 / ln 3 = 11.3814… s
        #expect(abs(Double(one.nanoseconds) / 1e9 - 11.381_405) < 1e-5)
        #expect(MembershipCore.suspicionTimeout(minimum: minimum, maximum: maximum, expected: 2, confirmations: 2) == minimum)
        #expect(MembershipCore.suspicionTimeout(minimum: minimum, maximum: maximum, expected: 2, confirmations: 9) == minimum)
        #expect(MembershipCore.suspicionTimeout(minimum: minimum, maximum: maximum, expected: 0, confirmations: 0) == minimum)
    }

    /// The bounds follow the view size: n = 100 → min = 4·2·1 s = 8 s, max 48 s; K = 2.
    @Test func boundsScaleWithLog10OfTheView() {
        let core = Fixture.core("a", knowing: (0..<99).map { "n\($0)" })
        let bounds = core.suspicionBounds()
        #expect(bounds.minimum == .seconds(8))
        #expect(bounds.maximum == .seconds(48))
        #expect(bounds.expected == 2)
        var plain = SWIMConfiguration.lan
        plain.lifeguard = false
        let plainBounds = Fixture.core("a", knowing: (0..<99).map { "n\($0)" }, configuration: plain).suspicionBounds()
        #expect(plainBounds.minimum == .seconds(8) && plainBounds.maximum == .seconds(8) && plainBounds.expected == 0)
    }

    /// SWIM §4.2 + Lifeguard §IV-B: a suspicion from gossip times out into unreachable at max
    /// without confirmations, sooner with distinct ones (repeats do not count).
    @Test func suspicionTimesOutSoonerWithConfirmations() {
        let others = ["b", "c", "d", "e", "f", "g", "h", "i", "j"]  // n = 10: min 4 s, max 24 s, K 2
        func suspectTimeout(confirmers: [String]) -> Duration {
            var core = Fixture.core("a", knowing: others)
            var random = SeededRandom(seed: 1)
            for reporter in confirmers {
                _ = core.onMessage(
                    .gossip(Fixture.header(from: Fixture.member(reporter), gossip: [Fixture.update(Fixture.member("b", .suspect, 0), by: reporter)])),
                    now: Fixture.start, random: &random)
            }
            guard let deadline = core.entries[Fixture.node("b")]?.suspicion?.deadline else {
                Issue.record("b is not suspected")
                return .zero
            }
            // The timer fires at the deadline, not before.
            var early = core
            _ = early.onTimer(now: deadline + .milliseconds(-1), random: &random)
            #expect(early.member(Fixture.node("b"))?.status == .suspect)
            let out = core.onTimer(now: deadline, random: &random)
            #expect(core.member(Fixture.node("b"))?.status == .unreachable)
            #expect(Fixture.events(out).contains { $0.kind == .unreachable && $0.member.node == Fixture.node("b") })
            return deadline.duration(since: Fixture.start)
        }
        #expect(suspectTimeout(confirmers: ["c"]) == .seconds(24))
        #expect(suspectTimeout(confirmers: ["c", "c"]) == .seconds(24))
        let two = suspectTimeout(confirmers: ["c", "d"])
        #expect(abs(Double(two.nanoseconds) / 1e9 - 11.381_405) < 1e-5)
        #expect(suspectTimeout(confirmers: ["c", "d", "e"]) == .seconds(4))
        #expect(suspectTimeout(confirmers: ["c", "d", "e", "f"]) == .seconds(4))
    }

    /// SWIM §4.2: a member refutes a suspicion of itself with alive(incarnation + 1), which
    /// goes out on its next message; Lifeguard §IV-A raises its local health.
    @Test func refutesASuspicionOfItself() throws {
        var core = Fixture.core("a", knowing: ["b"])
        var random = SeededRandom(seed: 1)
        let out = core.onMessage(
            .ping(Fixture.header(from: Fixture.member("b"), gossip: [Fixture.update(Fixture.member("a", .suspect, 0), by: "b")]),
                sequence: 5, target: Fixture.node("a")),
            now: Fixture.start, random: &random)
        #expect(core.myself.status == .alive && core.myself.incarnation == 1)
        #expect(core.counters.refutations == 1)
        #expect(core.localHealth == 1)
        let (ack, _) = try #require(Fixture.sends(out).first)
        #expect(ack.header.gossip.contains { $0.member == Fixture.member("a", .alive, 1) })
        #expect(core.members.allSatisfy { $0.node != core.me.node || $0.status == .alive })
    }

    /// Lifeguard §IV-C buddy system: a message to a suspect member carries its suspicion
    /// first, even when the queue has long finished gossiping it; plain SWIM does not.
    @Test(arguments: [true, false])
    func pingToASuspectCarriesItsSuspicionFirst(lifeguard: Bool) throws {
        var configuration = SWIMConfiguration.lan
        configuration.lifeguard = lifeguard
        configuration.suspicionMultiplier = 100  // b stays suspect while we look
        var core = Fixture.core("a", knowing: ["b"], configuration: configuration)
        var random = SeededRandom(seed: 1)
        _ = core.onMessage(
            .gossip(Fixture.header(from: Fixture.member("c"), gossip: [Fixture.update(Fixture.member("b", .suspect, 0), by: "c")])),
            now: Fixture.start, random: &random)
        core.queue = BroadcastQueue()  // the rumour is no longer queued
        var ping: SWIMMessage?
        var now = Fixture.start
        while ping == nil, now < Fixture.start + .seconds(5) {
            now = core.nextProbeAt
            ping = Fixture.sends(core.onTimer(now: now, random: &random)).first {
                if case .ping = $0.message { $0.to == Fixture.node("b") } else { false }
            }?.message
        }
        let gossip = try #require(ping?.header.gossip)
        if lifeguard {
            #expect(gossip.first?.member == Fixture.member("b", .suspect, 0))
        } else {
            #expect(!gossip.contains { $0.member.node == Fixture.node("b") })
        }
    }

    /// Lifeguard §IV-A: a failed probe with no relays raises local health, a success lowers it,
    /// and it stays below awarenessMax; the probe period stretches by (health + 1).
    @Test func localHealthFollowsProbes() {
        // No one to relay, so every failure counts; a long suspicion keeps b probed with ping-requests.
        var configuration = SWIMConfiguration.lan
        configuration.suspicionMultiplier = 100
        var core = Fixture.core("a", knowing: ["b"], configuration: configuration)
        var random = SeededRandom(seed: 1)
        var starts: [Instant] = []
        for _ in 0..<12 {
            let now = core.nextProbeAt
            starts.append(now)
            _ = core.onTimer(now: now, random: &random)
            // Let the probe timeout pass (ping-requests go to nobody).
            if let deadline = core.nextDeadline, deadline < core.nextProbeAt { _ = core.onTimer(now: deadline, random: &random) }
        }
        #expect(core.localHealth == 7)
        // Period k lasted (health + 1) seconds; the first ones grow 1, 2, 3 ...
        #expect(starts[1].duration(since: starts[0]) == .seconds(1))
        #expect(starts[2].duration(since: starts[1]) == .seconds(2))
        #expect(starts[3].duration(since: starts[2]) == .seconds(3))
        #expect(starts[11].duration(since: starts[10]) == .seconds(8))
        core.changeLocalHealth(by: -1)
        #expect(core.localHealth == 6)
    }

    /// Lifeguard §IV-A: a failed probe whose relays all nacked leaves local health alone; with
    /// a nack missing it rises.
    @Test func nacksDecideWhetherAFailureIsOurs() throws {
        func run(nackers: [String]) throws -> Int {
            var core = Fixture.core("a", knowing: ["b", "c", "d"])
            var random = SeededRandom(seed: 1)
            let (ping, target) = try #require(Fixture.sends(core.onTimer(now: core.nextProbeAt, random: &random)).first)
            guard case .ping(_, let sequence, _) = ping else { return -1 }
            let probeStart = core.nextProbeAt + .seconds(-1)
            let relays = Fixture.sends(core.onTimer(now: probeStart + .milliseconds(500), random: &random)).map(\.to)
            #expect(relays.count == 2)
            for relay in relays.prefix(nackers.count) {
                _ = core.onMessage(.nack(Fixture.header(from: Fixture.member(relay.name)), sequence: sequence, target: target),
                    now: probeStart + .milliseconds(900), random: &random)
            }
            _ = core.onTimer(now: probeStart + .seconds(1), random: &random)
            #expect(core.member(target)?.status == .suspect)
            return core.localHealth
        }
        #expect(try run(nackers: ["x", "y"]) == 0)
        #expect(try run(nackers: ["x"]) == 1)
        #expect(try run(nackers: []) == 1)
    }

    /// Lifeguard off: failed probes never move local health.
    @Test func plainSWIMHasNoLocalHealth() {
        var configuration = SWIMConfiguration.lan
        configuration.lifeguard = false
        var core = Fixture.core("a", knowing: ["b"], configuration: configuration)
        var random = SeededRandom(seed: 1)
        for _ in 0..<5 { _ = core.onTimer(now: core.nextProbeAt, random: &random) }
        #expect(core.localHealth == 0)
        #expect(core.counters.probesFailed >= 4)
    }
}
