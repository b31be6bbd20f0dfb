import FabricCore
import Testing
@testable import MembershipCore

/// SWIM §4.1 infection-style dissemination through the bounded broadcast queue.
@Suite struct DisseminationTests {
    static func update(_ name: String, _ incarnation: UInt64 = 0) -> MemberUpdate {
        Fixture.update(Fixture.member(name, .alive, incarnation), by: name)
    }

    /// Each update goes out at most `limit` times, least-transmitted first, newest first among equals.
    @Test func leastTransmittedAndNewestFirst() {
        var queue = BroadcastQueue()
        queue.enqueue(Self.update("b"))
        queue.enqueue(Self.update("c"))
        #expect(queue.take(countMax: 1, bytesMax: 4096, limit: 3).map(\.member.node.name) == ["c"])
        queue.enqueue(Self.update("d"))
        #expect(queue.take(countMax: 2, bytesMax: 4096, limit: 3).map(\.member.node.name) == ["d", "b"])
        var sent: [String: Int] = [:]
        while !queue.isEmpty {
            for update in queue.take(countMax: 2, bytesMax: 4096, limit: 3) { sent[update.member.node.name, default: 0] += 1 }
        }
        // Each was sent 3 times in all: once above (c, d, b) and twice here.
        #expect(sent == ["b": 2, "c": 2, "d": 2])
    }

    /// A newer update about a node supersedes the queued one (and starts its count afresh).
    @Test func newerUpdateSupersedes() {
        var queue = BroadcastQueue()
        queue.enqueue(Self.update("b", 1))
        _ = queue.take(countMax: 8, bytesMax: 4096, limit: 4)
        queue.enqueue(Self.update("b", 2))
        #expect(queue.count == 1)
        var taken: [MemberUpdate] = []
        while !queue.isEmpty { taken += queue.take(countMax: 8, bytesMax: 4096, limit: 4) }
        #expect(taken == Array(repeating: Self.update("b", 2), count: 4))
    }

    /// The count and byte bounds of one message hold.
    @Test func boundsPerMessage() {
        var queue = BroadcastQueue()
        for index in 0..<100 { queue.enqueue(Self.update("n\(index)")) }
        #expect(queue.take(countMax: 32, bytesMax: 100_000, limit: 4).count == 32)
        let size = BroadcastQueue.estimatedBytes(Self.update("n99"))  // the newest go first: n99, n98, ...
        #expect(queue.take(countMax: 32, bytesMax: size * 3, limit: 4).count == 3)
    }

    /// λ·ceil(log10(n + 1)) transmissions: n = 10 → 4·2 = 8 with the LAN multiplier.
    @Test func retransmitLimitFollowsTheViewSize() {
        #expect(Fixture.core("a", knowing: []).retransmitLimit == 4)
        #expect(Fixture.core("a", knowing: (0..<9).map { "n\($0)" }).retransmitLimit == 8)
        #expect(Fixture.core("a", knowing: (0..<99).map { "n\($0)" }).retransmitLimit == 12)
    }

    /// Messages carry the queued updates, and the gossip tick sends only when something is queued.
    @Test func piggybackAndQuietGossipTick() {
        var core = Fixture.core("a", knowing: ["b", "c"])
        var random = SeededRandom(seed: 1)
        var now = Fixture.start
        var carried = 0
        for _ in 0..<4 {  // the gossip ticks before the first probe (at 1 s)
            now = now + .milliseconds(200)
            for (message, _) in Fixture.sends(core.onTimer(now: now, random: &random)) { carried += message.header.gossip.count }
        }
        // b and c joined: two updates, each sent λ·ceil(log10 4) = 4 times, then silence.
        #expect(carried == 8)
        #expect(core.queuedUpdates == 0)
        #expect(core.nextDeadline == core.nextProbeAt)
    }
}
