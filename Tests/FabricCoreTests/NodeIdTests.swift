import Testing
@testable import FabricCore

@Suite struct NodeIdTests {
    @Test func acceptsPlainNames() {
        #expect(NodeId(validating: "node-1.a_b") != nil)
        #expect(NodeId(validating: String(repeating: "a", count: Limits.nodeNameBytesMax)) != nil)
    }

    @Test func rejectsBadNames() {
        #expect(NodeId(validating: "") == nil)
        #expect(NodeId(validating: "a b") == nil)
        #expect(NodeId(validating: "a/b") == nil)
        #expect(NodeId(validating: "é") == nil)
        #expect(NodeId(validating: String(repeating: "a", count: Limits.nodeNameBytesMax + 1)) == nil)
    }

    @Test func actorPaths() {
        #expect(ActorID.isValidPath("/user/echo"))
        #expect(!ActorID.isValidPath("user/echo"))
        #expect(!ActorID.isValidPath("/user//echo"))
        #expect(!ActorID.isValidPath("/user/echo/"))
        #expect(!ActorID.isValidPath("/"))
        #expect(!ActorID.isValidPath("/us er"))
        #expect(!ActorID.isValidPath("/" + String(repeating: "a", count: Limits.actorPathBytesMax)))
    }

    @Test func instantArithmetic() {
        let t = Instant(nanoseconds: 1_000)
        #expect((t + .nanoseconds(500)).nanoseconds == 1_500)
        #expect((t + .nanoseconds(-5_000)).nanoseconds == 0)
        #expect((Instant(nanoseconds: .max - 1) + .seconds(1)).nanoseconds == .max)
        #expect(Instant(nanoseconds: 3_000).duration(since: t) == .nanoseconds(2_000))
        #expect(t.duration(since: Instant(nanoseconds: 3_000)) == .nanoseconds(-2_000))
        #expect(Duration.seconds(2).nanoseconds == 2_000_000_000)
    }
}

@Suite struct SeededRandomTests {
    @Test func sameSeedSameSequenceDifferentSeedDifferentSequence() {
        var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 43)
        let first = (0..<16).map { _ in a.next() }
        #expect(first == (0..<16).map { _ in b.next() })
        #expect(first != (0..<16).map { _ in c.next() })
        #expect(Set(first).count == 16)
    }
}
