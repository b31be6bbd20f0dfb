import FabricCore
import Testing
@testable import MembershipCore

/// Untrusted input (issue 9, "Bad input"): each is refused or bounded, counted, and never a
/// wrong transition.
@Suite struct BadInputTests {
    static func gossip(from sender: Member, _ updates: [MemberUpdate], cluster: String = "test") -> SWIMMessage {
        .gossip(Fixture.header(from: sender, gossip: updates, cluster: cluster))
    }

    /// A message naming another cluster (its hash, or a push-pull's full name) changes nothing.
    @Test func otherClusterIsRefused() {
        var core = Fixture.core("a")
        var random = SeededRandom(seed: 1)
        _ = core.onMessage(Self.gossip(from: Fixture.member("b"), [], cluster: "other"), now: Fixture.start, random: &random)
        let pushPull = SWIMMessage.pushPull(
            Fixture.header(from: Fixture.member("b")),
            PushPull(cluster: "other", sequence: 1, phase: .digest(join: true, bucketHashes: [])))
        let out = core.onMessage(pushPull, now: Fixture.start, random: &random)
        #expect(out.isEmpty)
        #expect(core.memberCount == 1)
        #expect(core.counters.refusedOtherCluster == 2)
    }

    /// A message "from" this node (an impostor or a loop) is refused whole.
    @Test func messageFromMyselfIsRefused() {
        var core = Fixture.core("a")
        var random = SeededRandom(seed: 1)
        let out = core.onMessage(
            Self.gossip(from: Fixture.member("a", .alive, 0, generation: 9), [Fixture.update(Fixture.member("b"), by: "a")]),
            now: Fixture.start, random: &random)
        #expect(out.isEmpty && core.memberCount == 1 && core.counters.refusedFromSelf == 1)
    }

    /// A suspect/unreachable/down/left rumour about a member never known is not added.
    @Test func unknownMembersAreAddedOnlyWhenAlive() {
        var core = Fixture.core("a")
        var random = SeededRandom(seed: 1)
        let rumours: [MemberUpdate] = [
            Fixture.update(Fixture.member("x", .suspect), by: "b"), Fixture.update(Fixture.member("y", .unreachable), by: "b"),
            Fixture.update(Fixture.member("z", .down), by: "b"), Fixture.update(Fixture.member("w", .left), by: "b"),
        ]
        _ = core.onMessage(Self.gossip(from: Fixture.member("b"), rumours), now: Fixture.start, random: &random)
        #expect(core.members.map(\.node.name) == ["a", "b"])
        #expect(core.counters.ignoredUnknownMember == 4)
        // The terminal ones are remembered: a late "alive" of that generation does not bring them in.
        _ = core.onMessage(Self.gossip(from: Fixture.member("b"), [Fixture.update(Fixture.member("z"), by: "b")]), now: Fixture.start, random: &random)
        #expect(core.member(Fixture.node("z")) == nil)
        #expect(core.counters.ignoredRetiredGeneration == 1)
    }

    /// A rumour that another member is alive at a higher incarnation is fine; a rumour that I
    /// am alive at an incarnation I never had makes me raise mine above it.
    @Test func forgedIncarnations() {
        var core = Fixture.core("a", knowing: ["b"])
        var random = SeededRandom(seed: 1)
        _ = core.onMessage(
            Self.gossip(from: Fixture.member("c"), [Fixture.update(Fixture.member("b", .alive, 50), by: "c"),
                Fixture.update(Fixture.member("a", .alive, 70), by: "c")]),
            now: Fixture.start, random: &random)
        #expect(core.member(Fixture.node("b"))?.incarnation == 50)
        #expect(core.myself.incarnation == 71 && core.myself.status == .alive)
        #expect(core.counters.forgedSelfAlive == 1)
        // UInt64.max must not trap.
        _ = core.onMessage(
            Self.gossip(from: Fixture.member("c"), [Fixture.update(Fixture.member("a", .suspect, .max), by: "c")]),
            now: Fixture.start, random: &random)
        #expect(core.myself.incarnation == .max && core.myself.status == .alive)
    }

    /// A different generation of a known alive node: accepted first-hand (a restart), ignored second-hand.
    @Test func anotherGenerationClaimingAKnownNode() {
        var core = Fixture.core("a", knowing: ["b"])
        var random = SeededRandom(seed: 1)
        let impostor = Fixture.member("b", .alive, 0, generation: 2)
        _ = core.onMessage(Self.gossip(from: Fixture.member("c"), [Fixture.update(impostor, by: "c")]), now: Fixture.start, random: &random)
        #expect(core.member(Fixture.node("b"))?.identity.generation == 1)
        #expect(core.counters.ignoredGenerationConflict == 1)
        let out = core.onMessage(Self.gossip(from: impostor, []), now: Fixture.start, random: &random)
        #expect(core.member(Fixture.node("b"))?.identity.generation == 2)
        #expect(Fixture.events(out).map(\.kind) == [.down, .removed, .joined, .up])
        // The old generation is retired: gossip about it no longer counts.
        _ = core.onMessage(Self.gossip(from: Fixture.member("c"), [Fixture.update(Fixture.member("b", .alive, 9), by: "c")]), now: Fixture.start, random: &random)
        #expect(core.member(Fixture.node("b"))?.identity.generation == 2)
        #expect(core.counters.ignoredRetiredGeneration == 1)
    }

    /// When the known entry is not alive, a new generation is accepted second-hand too.
    @Test func anotherGenerationReplacesAnUnreachableEntry() {
        var core = Fixture.core("a", knowing: ["b"])
        var random = SeededRandom(seed: 1)
        _ = core.onMessage(Self.gossip(from: Fixture.member("c"), [Fixture.update(Fixture.member("b", .unreachable), by: "c")]), now: Fixture.start, random: &random)
        _ = core.onMessage(Self.gossip(from: Fixture.member("c"), [Fixture.update(Fixture.member("b", .alive, 0, generation: 5), by: "c")]), now: Fixture.start, random: &random)
        #expect(core.member(Fixture.node("b")) == Fixture.member("b", .alive, 0, generation: 5))
    }

    /// Oversized gossip lists: only the first `Limits.gossipUpdatesPerMessageMax` are read.
    @Test func oversizedGossipIsCut() {
        var core = Fixture.core("a")
        var random = SeededRandom(seed: 1)
        let flood = (0..<100).map { Fixture.update(Fixture.member("n\($0)"), by: "b") }
        _ = core.onMessage(Self.gossip(from: Fixture.member("b"), flood), now: Fixture.start, random: &random)
        #expect(core.memberCount == 2 + Limits.gossipUpdatesPerMessageMax)
        #expect(core.counters.refusedGossipOverLimit == UInt64(100 - Limits.gossipUpdatesPerMessageMax))
    }

    /// A member list past the limit: the view stops at `Limits.membersMax`, the rest counted.
    @Test func viewIsBounded() {
        var core = Fixture.core("a")
        var random = SeededRandom(seed: 1)
        let members = (0..<(Limits.membersMax + 10)).map { Fixture.member("n\($0)") }
        for chunk in stride(from: 0, to: members.count, by: Limits.pushPullMembersPerMessageMax) {
            let slice = Array(members[chunk..<min(members.count, chunk + Limits.pushPullMembersPerMessageMax)])
            _ = core.onMessage(
                .pushPull(Fixture.header(from: Fixture.member("b")), PushPull(cluster: "test", sequence: 1, phase: .merge(members: slice))),
                now: Fixture.start, random: &random)
        }
        #expect(core.memberCount == Limits.membersMax)
        #expect(core.counters.refusedViewFull == 12)  // 4106 + a + b − 4096
        let tooLong = (0..<(Limits.pushPullMembersPerMessageMax + 5)).map { Fixture.member("m\($0)") }
        _ = core.onMessage(
            .pushPull(Fixture.header(from: Fixture.member("b")), PushPull(cluster: "test", sequence: 1, phase: .merge(members: tooLong))),
            now: Fixture.start, random: &random)
        #expect(core.counters.refusedPushPullOverLimit == 5)
    }

    /// Malformed digests and bucket lists, misaddressed pings, unexpected nacks and
    /// unsolicited replies are refused and counted.
    @Test func malformedProtocolMessages() {
        var core = Fixture.core("a", knowing: ["b"])
        var random = SeededRandom(seed: 1)
        let header = Fixture.header(from: Fixture.member("b"))
        var out = core.onMessage(.pushPull(header, PushPull(cluster: "test", sequence: 1, phase: .digest(join: false, bucketHashes: [1, 2]))), now: Fixture.start, random: &random)
        #expect(out.isEmpty && core.counters.refusedMalformedDigest == 1)
        out = core.onMessage(.pushPull(header, PushPull(cluster: "test", sequence: 99, phase: .reply(buckets: [500], members: []))), now: Fixture.start, random: &random)
        #expect(out.isEmpty && core.counters.unsolicitedPushPull == 1)
        out = core.onMessage(.ping(header, sequence: 1, target: Fixture.node("zz")), now: Fixture.start, random: &random)
        #expect(out.isEmpty && core.counters.ignoredMisaddressedPing == 1)
        out = core.onMessage(.nack(header, sequence: 1, target: Fixture.node("c")), now: Fixture.start, random: &random)
        #expect(out.isEmpty && core.counters.ignoredUnexpectedNack == 1)
        out = core.onMessage(.ack(header, sequence: 12345, target: Fixture.node("b")), now: Fixture.start, random: &random)
        #expect(out.isEmpty && core.counters.ignoredUnexpectedAck == 1)
        // A reply to an exchange we did start, with a repeated bucket, gets no merge back.
        var started: [MembershipDirective] = []
        core.startPushPull(with: Fixture.node("b"), address: Fixture.identity("b").address, join: false, into: &started)
        out = core.onMessage(.pushPull(header, PushPull(cluster: "test", sequence: core.sequence, phase: .reply(buckets: [3, 3], members: []))), now: Fixture.start, random: &random)
        #expect(out.isEmpty && core.counters.refusedMalformedDigest == 2)
    }

    /// Ping-requests past `Limits.swimRelaysMax` in flight are refused.
    @Test func relaysAreBounded() {
        var core = Fixture.core("a", knowing: ["b"])
        var random = SeededRandom(seed: 1)
        for index in 0..<(Limits.swimRelaysMax + 3) {
            _ = core.onMessage(
                .pingRequest(Fixture.header(from: Fixture.member("b")), sequence: UInt32(index), target: Fixture.identity("t\(index)"), wantsNack: true),
                now: Fixture.start, random: &random)
        }
        #expect(core.counters.relaysStarted == UInt64(Limits.swimRelaysMax))
        #expect(core.counters.refusedRelaysOverLimit == 3)
    }

    /// Random messages from a seeded generator never trap and never make this member suspect
    /// of itself (prints the seed on failure).
    @Test(arguments: [UInt64(1), 2, 3])
    func randomMessagesNeverBreakTheCore(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var core = Fixture.core("a", knowing: ["b", "c"])
        let names = ["a", "b", "c", "d"]
        let statuses: [MemberStatus] = [.alive, .suspect, .unreachable, .down, .left]
        func anyMember() -> Member {
            Fixture.member(names.randomElement(using: &random)!, statuses.randomElement(using: &random)!,
                UInt64.random(in: 0...3, using: &random), generation: UInt64.random(in: 1...2, using: &random))
        }
        var now = Fixture.start
        for _ in 0..<2000 {
            let header = Fixture.header(from: anyMember(), gossip: (0..<Int.random(in: 0...3, using: &random)).map { _ in
                Fixture.update(anyMember(), by: names.randomElement(using: &random)!)
            })
            let sequence = UInt32.random(in: 0...20, using: &random)
            let target = Fixture.node(names.randomElement(using: &random)!)
            let message: SWIMMessage
            switch Int.random(in: 0..<6, using: &random) {
            case 0: message = .ping(header, sequence: sequence, target: target)
            case 1: message = .ack(header, sequence: sequence, target: target)
            case 2: message = .nack(header, sequence: sequence, target: target)
            case 3: message = .pingRequest(header, sequence: sequence, target: Fixture.identity(target.name), wantsNack: true)
            case 4: message = .pushPull(header, PushPull(cluster: "test", sequence: sequence, phase: .reply(buckets: [UInt16.random(in: 0...200, using: &random)], members: [anyMember()])))
            default: message = .gossip(header)
            }
            now = now + .milliseconds(Int64.random(in: 0...300, using: &random))
            _ = core.onMessage(message, now: now, random: &random)
            _ = core.onTimer(now: now, random: &random)
            let mine = core.myself
            #expect(mine.status != .suspect && mine.status != .unreachable, "seed \(seed)")
            #expect(core.memberCount <= names.count, "seed \(seed)")
            if mine.status.isTerminal { break }
        }
    }
}
