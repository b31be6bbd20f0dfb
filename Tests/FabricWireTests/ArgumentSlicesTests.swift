import FabricCore
import Testing
@testable import FabricWire

/// `ArgumentSlices` holds separate slices (built by hand) or one slice of a decoded payload with
/// the arguments' length prefixes: both must read back as the list they stand for, and compare
/// and hash alike.
struct ArgumentSlicesTests {
    @Test(arguments: [0, 1, 2, 3, 7])
    func readsBackWhatWasAppended(count: Int) {
        let list: [ArraySlice<UInt8>] = (0..<count).map { index in [UInt8](repeating: UInt8(index), count: index + 1)[...] }
        let slices = ArgumentSlices(list)
        #expect(slices.count == count)
        #expect(Array(slices) == list)
        for (index, argument) in list.enumerated() { #expect(slices[index] == argument) }
    }

    @Test func equalListsAreEqualAndHashAlike() {
        let a = ArgumentSlices([[1, 2][...], [3][...], [4, 5, 6][...]])
        let b = ArgumentSlices([[0, 1, 2][...].dropFirst(), [3][...], [4, 5, 6][...]])
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != ArgumentSlices([[1, 2][...], [3][...]]))
        #expect(a != ArgumentSlices([[1, 2][...], [3][...], [4, 5, 7][...]]))
    }

    /// Decoded arguments are found by walking their length prefixes: every count and size,
    /// empty arguments included, reads back by position and in order, equal to the hand-built list.
    @Test(arguments: [0, 1, 2, 3, 7, Limits.argumentsMax])
    func decodedArgumentsReadBackByPosition(count: Int) throws {
        let list: [ArraySlice<UInt8>] = (0..<count).map { index in
            [UInt8](repeating: UInt8(truncatingIfNeeded: index * 7), count: (index * 37) % 300)[...]
        }
        let envelope = CallEnvelope(
            recipient: try .wellKnown("echo", on: NodeId(uncheckedValid: "n")), deadlineBudgetMicroseconds: 1, target: "t", arguments: list)
        var payload: [UInt8] = [0xEE, 0xEE]  // the envelope does not start at index 0 of its array
        try envelope.encode(into: &payload)
        let decoded = try CallEnvelope.decode(payload[2...])
        #expect(decoded.arguments.count == count)
        for (index, argument) in list.enumerated() { #expect(decoded.arguments[index] == argument) }
        #expect(Array(decoded.arguments) == list)
        #expect(decoded.arguments == ArgumentSlices(list))
        #expect(decoded.arguments.hashValue == ArgumentSlices(list).hashValue)
    }

    @Test func decodedEnvelopeSlicesThePayload() throws {
        let envelope = CallEnvelope(
            recipient: try .wellKnown("echo", on: NodeId(uncheckedValid: "n")), deadlineBudgetMicroseconds: 1, target: "t",
            arguments: [[1][...], [2, 2][...], [3, 3, 3][...]])
        var payload: [UInt8] = []
        try envelope.encode(into: &payload)
        let decoded = try CallEnvelope.decode(payload[...])
        #expect(decoded == envelope)
        #expect(Array(decoded.arguments) == [[1][...], [2, 2][...], [3, 3, 3][...]])
    }
}
