import FabricCore
import Testing
@testable import FabricWire

/// The sending side's memo must write exactly the bytes the plain writer writes, whether the
/// call repeats the last recipient and target or not.
@Suite struct CallHeaderMemoTests {
    typealias Pool = CallEnvelopeMemoTests

    @Test func headersFromTheMemoEqualPlainHeaders() throws {
        var random = SeededRandom(seed: 0x5EED_4EAD)
        var memo = CallHeaderMemo()
        var hits = 0
        var last: (ActorID, String)?
        for round in 0..<2_000 {
            // Repeat the last pair half of the time, so that both paths run often.
            let pair: (ActorID, String)
            if let last, random.next() % 2 == 0 {
                pair = last
                hits += 1
            } else {
                pair = (
                    Pool.recipients[Int(random.next() % UInt64(Pool.recipients.count))],
                    Pool.targets[Int(random.next() % UInt64(Pool.targets.count))])
            }
            last = pair
            let budget = random.next() % 3 == 0 ? random.next() : random.next() % 1000
            let argument = [UInt8](repeating: UInt8(round % 256), count: Int(random.next() % 5))

            var plain: [UInt8] = [0xEE]
            var plainWriter = try CallEnvelopeWriter(
                recipient: pair.0, deadlineBudgetMicroseconds: budget, target: pair.1, genericSubstitutions: [],
                into: &plain)
            var viaMemo: [UInt8] = [0xEE]
            var memoWriter = try CallEnvelopeWriter(
                recipient: pair.0, deadlineBudgetMicroseconds: budget, target: pair.1, memo: &memo, into: &viaMemo)
            plainWriter.beginArgument(&plain)
            plain += argument
            try plainWriter.endArgument(&plain)
            try plainWriter.finish(&plain)
            memoWriter.beginArgument(&viaMemo)
            viaMemo += argument
            try memoWriter.endArgument(&viaMemo)
            try memoWriter.finish(&viaMemo)
            #expect(viaMemo == plain, "round \(round)")
            let decoded = try CallEnvelope.decode(viaMemo.dropFirst())
            #expect(decoded.recipient == pair.0 && decoded.target == pair.1, "round \(round)")
            #expect(decoded.deadlineBudgetMicroseconds == budget, "round \(round)")
        }
        #expect(hits > 500)
    }

    /// A refused target is refused again the second time: a memo that had remembered it would
    /// write it without the check.
    @Test func aRefusedTargetIsNotRemembered() throws {
        var memo = CallHeaderMemo()
        var buffer: [UInt8] = []
        let tooLong = String(repeating: "t", count: Limits.targetIdentifierBytesMax + 1)
        for target in [tooLong, tooLong, "", ""] {
            #expect(throws: WireError.self) {
                _ = try CallEnvelopeWriter(
                    recipient: Pool.recipients[0], deadlineBudgetMicroseconds: 0, target: target, memo: &memo, into: &buffer)
            }
            #expect(buffer.isEmpty)
        }
        // A good target after them is written and remembered as usual.
        _ = try CallEnvelopeWriter(
            recipient: Pool.recipients[0], deadlineBudgetMicroseconds: 0, target: Pool.targets[0], memo: &memo, into: &buffer)
        #expect(memo.bytes(recipient: Pool.recipients[0], target: Pool.targets[0]) != nil)
        #expect(memo.bytes(recipient: Pool.recipients[0], target: tooLong) == nil)
    }
}
