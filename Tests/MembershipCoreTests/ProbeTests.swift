import FabricCore
import Testing
@testable import MembershipCore

/// The failure detector of SWIM §3.1 and Lifeguard §IV-A, one core driven by hand.
@Suite struct ProbeTests {
    /// SWIM §4.3: every member is probed once per round of the shuffled order, then reshuffled.
    @Test func roundRobinProbesEveryMemberOncePerRound() {
        let others = (0..<7).map { "n\($0)" }
        var core = Fixture.core("a", knowing: others)
        var random = SeededRandom(seed: 3)
        var now = Fixture.start
        var rounds: [[NodeId]] = []
        var current: [NodeId] = []
        for _ in 0..<(others.count * 3) {
            now = core.nextProbeAt
            for (message, to) in Fixture.sends(core.onTimer(now: now, random: &random)) {
                guard case .ping(_, let sequence, _) = message else { continue }
                current.append(to)
                // Answer at once, so the probe succeeds.
                _ = core.onMessage(
                    .ack(Fixture.header(from: Fixture.member(to.name)), sequence: sequence, target: to),
                    now: now, random: &random)
            }
            if current.count == others.count {
                rounds.append(current)
                current = []
            }
        }
        #expect(rounds.count == 3)
        for round in rounds { #expect(Set(round) == Set(others.map(Fixture.node))) }
        #expect(rounds[0] != rounds[1] || rounds[1] != rounds[2], "the order is reshuffled")
        #expect(core.counters.probesSucceeded == UInt64(others.count * 3))
    }

    /// SWIM §3.1: no ack within the probe timeout → ping-req to k random alive members, with
    /// Lifeguard's nack request; the target is not among them.
    @Test func pingRequestsAfterTheProbeTimeout() throws {
        var core = Fixture.core("a", knowing: ["b", "c", "d", "e", "f"])
        var random = SeededRandom(seed: 1)
        let pings = Fixture.sends(core.onTimer(now: core.nextProbeAt, random: &random))
        let (ping, target) = try #require(pings.first)
        guard case .ping(_, let sequence, _) = ping else { Issue.record("not a ping: \(ping)"); return }
        let probeStart = core.nextProbeAt + .seconds(-1)
        #expect(core.nextDeadline == probeStart + .milliseconds(500))
        let requests = Fixture.sends(core.onTimer(now: probeStart + .milliseconds(500), random: &random))
        #expect(requests.count == 3)
        for (message, to) in requests {
            #expect(to != target)
            guard case .pingRequest(_, let requestSequence, let requestTarget, let wantsNack) = message else {
                Issue.record("not a ping-request: \(message)")
                continue
            }
            #expect(requestSequence == sequence)
            #expect(requestTarget.node == target)
            #expect(wantsNack)
        }
        #expect(core.counters.indirectProbesSent == 3)
    }

    /// SWIM §3.1 and Lifeguard §IV-A: a relay pings the target; its ack goes back to the
    /// origin; without one by 80 % of the probe timeout the relay nacks.
    @Test func relayForwardsTheAckOrNacks() throws {
        var relay = Fixture.core("b", knowing: ["a", "c"])
        var random = SeededRandom(seed: 1)
        let request = SWIMMessage.pingRequest(
            Fixture.header(from: Fixture.member("a")), sequence: 77, target: Fixture.identity("c"), wantsNack: true)
        let out = Fixture.sends(relay.onMessage(request, now: Fixture.start, random: &random))
        let (ping, to) = try #require(out.first)
        #expect(to == Fixture.node("c"))
        guard case .ping(_, let relaySequence, _) = ping else { Issue.record("not a ping"); return }
        func nacks(_ directives: [MembershipDirective]) -> [SWIMMessage] {
            Fixture.sends(directives).map(\.message).filter { if case .nack = $0 { true } else { false } }
        }

        // The ack comes in time: it is relayed to a under a's sequence.
        var answered = relay
        let forwarded = Fixture.sends(answered.onMessage(
            .ack(Fixture.header(from: Fixture.member("c")), sequence: relaySequence, target: Fixture.node("c")),
            now: Fixture.start + .milliseconds(10), random: &random))
        #expect(forwarded.count == 1)
        if case .ack(_, let sequence, let target) = forwarded.first?.message {
            #expect(sequence == 77 && target == Fixture.node("c") && forwarded.first?.to == Fixture.node("a"))
        } else {
            Issue.record("expected an ack to a, got \(forwarded)")
        }

        // No ack: a nack at 80 % of the probe timeout (400 ms of 500), not before.
        #expect(nacks(relay.onTimer(now: Fixture.start + .milliseconds(399), random: &random)).isEmpty)
        let sent = nacks(relay.onTimer(now: Fixture.start + .milliseconds(400), random: &random))
        #expect(sent.count == 1)
        if case .nack(_, let sequence, let target) = sent.first {
            #expect(sequence == 77 && target == Fixture.node("c"))
        } else {
            Issue.record("expected a nack, got \(sent)")
        }
        #expect(relay.counters.nacksSent == 1)
    }

    /// Lifeguard off: ping-requests ask for no nack, and a relay sends none.
    @Test func plainSWIMHasNoNacks() throws {
        var configuration = SWIMConfiguration.lan
        configuration.lifeguard = false
        var relay = Fixture.core("b", knowing: ["a", "c"], configuration: configuration)
        var random = SeededRandom(seed: 1)
        _ = relay.onMessage(
            .pingRequest(Fixture.header(from: Fixture.member("a")), sequence: 1, target: Fixture.identity("c"), wantsNack: true),
            now: Fixture.start, random: &random)
        let later = relay.onTimer(now: Fixture.start + .seconds(2), random: &random)
        #expect(Fixture.sends(later).allSatisfy { if case .nack = $0.message { false } else { true } })
        #expect(relay.counters.nacksSent == 0)

        var origin = Fixture.core("a", knowing: ["b", "c", "d", "e"], configuration: configuration)
        _ = origin.onTimer(now: origin.nextProbeAt, random: &random)
        let requests = Fixture.sends(origin.onTimer(now: origin.nextProbeAt + .milliseconds(-500), random: &random))
        #expect(!requests.isEmpty)
        for (message, _) in requests {
            if case .pingRequest(_, _, _, let wantsNack) = message { #expect(!wantsNack) }
        }
    }

    /// An ack is accepted only from the target or from a relay this probe asked: a forged one is counted.
    @Test func forgedAcksAreIgnored() throws {
        var core = Fixture.core("a", knowing: ["b", "c", "d"])
        var random = SeededRandom(seed: 1)
        let (ping, target) = try #require(Fixture.sends(core.onTimer(now: core.nextProbeAt, random: &random)).first)
        guard case .ping(_, let sequence, _) = ping else { return }
        let forger = ["b", "c", "d"].first { $0 != target.name }!
        _ = core.onMessage(
            .ack(Fixture.header(from: Fixture.member(forger)), sequence: sequence, target: target), now: Fixture.start,
            random: &random)
        #expect(core.counters.probesSucceeded == 0)
        #expect(core.counters.ignoredUnexpectedAck == 1)
    }
}
