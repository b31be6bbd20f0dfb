import FabricCore
import Testing
@testable import MembershipCore

/// Push-pull anti-entropy with digests (memberlist's push-pull, only what differs is sent).
@Suite struct PushPullTests {
    /// Runs one exchange between two cores by hand: digest → reply → merge.
    static func exchange(_ origin: inout MembershipCore, _ peer: inout MembershipCore, random: inout SeededRandom) -> (replied: [Member], merged: [Member]) {
        var out: [MembershipDirective] = []
        origin.startPushPull(with: peer.me.node, address: peer.me.address, join: false, into: &out)
        var replied: [Member] = []
        var merged: [Member] = []
        var pending = Fixture.sends(out).map { ($0.message, $0.to) }
        while let (message, to) = pending.first {
            pending.removeFirst()
            if case .pushPull(_, let pushPull) = message {
                if case .reply(_, let members) = pushPull.phase { replied = members }
                if case .merge(let members) = pushPull.phase { merged = members }
            } else { continue }
            let next = to == peer.me.node
                ? peer.onMessage(message, now: Fixture.start, random: &random)
                : origin.onMessage(message, now: Fixture.start, random: &random)
            pending += Fixture.sends(next).compactMap { if case .pushPull = $0.message { ($0.message, $0.to) } else { nil } }
        }
        return (replied, merged)
    }

    /// Equal views: the digest matches, nothing is sent back.
    @Test func equalViewsExchangeNothing() {
        let names = (0..<50).map { "n\($0)" }
        var a = Fixture.core("a", knowing: names + ["b"])
        var b = Fixture.core("b", knowing: names + ["a"])
        var random = SeededRandom(seed: 1)
        let result = Self.exchange(&a, &b, random: &random)
        #expect(result.replied.isEmpty && result.merged.isEmpty)
        #expect(b.counters.pushPullsInSync == 1)
    }

    /// One difference: only the members of its bucket travel, and both views then agree on it.
    @Test func onlyTheDifferingBucketTravels() {
        let names = (0..<200).map { "n\($0)" }
        var a = Fixture.core("a", knowing: names + ["b"])
        var b = Fixture.core("b", knowing: names + ["a"])
        var random = SeededRandom(seed: 1)
        _ = b.onMessage(.gossip(Fixture.header(from: Fixture.member("n7", .alive, 3))), now: Fixture.start, random: &random)
        let result = Self.exchange(&a, &b, random: &random)
        let bucket = MembershipDigest.bucket(of: Fixture.node("n7"))
        #expect(result.replied.contains(Fixture.member("n7", .alive, 3)))
        #expect(result.replied.allSatisfy { MembershipDigest.bucket(of: $0.node) == bucket })
        #expect(result.replied.count < 10)
        #expect(a.member(Fixture.node("n7")) == Fixture.member("n7", .alive, 3))
        #expect(a.digest.hashes == b.digest.hashes)
    }

    /// A join is a push-pull with an empty digest: the seed replies with its whole view.
    @Test func joinLearnsTheWholeView() {
        var seed = Fixture.core("s", knowing: ["x", "y", "z"])
        seed.queue = BroadcastQueue()  // x, y and z are old news at the seed
        var joiner = Fixture.core("j")
        var random = SeededRandom(seed: 1)
        var pending = Fixture.sends(joiner.onJoin(seeds: [Fixture.node("s"): Fixture.identity("s").address], now: Fixture.start))
        var rounds = 0
        while let (message, to) = pending.first, rounds < 10 {
            pending.removeFirst()
            rounds += 1
            let out = to == Fixture.node("s")
                ? seed.onMessage(message, now: Fixture.start, random: &random)
                : joiner.onMessage(message, now: Fixture.start, random: &random)
            pending += Fixture.sends(out)
        }
        #expect(joiner.members.map(\.node.name) == ["j", "s", "x", "y", "z"])
        #expect(seed.member(Fixture.node("j"))?.status == .alive)
        // Learnt by push-pull, not re-gossiped; the joiner itself is news at the seed.
        #expect(joiner.queuedUpdates == 1)
        #expect(joiner.queue.queued(about: Fixture.node("s")) != nil)  // first-hand: the seed itself
        #expect(seed.queue.queued(about: Fixture.node("j")) != nil)
    }

    /// The digest is kept incrementally and equals one built from scratch over the same view.
    @Test func incrementalDigestMatchesARebuild() {
        var core = Fixture.core("a", knowing: (0..<40).map { "n\($0)" })
        var random = SeededRandom(seed: 9)
        for index in 0..<40 where index % 3 == 0 {
            _ = core.onMessage(
                .gossip(Fixture.header(from: Fixture.member("n\(index)", .alive, UInt64(index)))), now: Fixture.start, random: &random)
        }
        var rebuilt = MembershipDigest()
        for member in core.members { rebuilt.insert(member) }
        #expect(rebuilt.hashes == core.digest.hashes)
    }
}
