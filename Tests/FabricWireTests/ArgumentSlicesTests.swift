import FabricCore
import Testing
@testable import FabricWire

/// `ArgumentSlices` keeps two arguments inline and the rest in an array: every count on either
/// side of that line must read back as the list it was built from.
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

    @Test func decodedEnvelopeSlicesThePayload() throws {
        let envelope = CallEnvelope(
            recipient: .wellKnown("echo", on: NodeId("n")), deadlineBudgetMicroseconds: 1, target: "t",
            arguments: [[1][...], [2, 2][...], [3, 3, 3][...]])
        var payload: [UInt8] = []
        try envelope.encode(into: &payload)
        let decoded = try CallEnvelope.decode(payload[...])
        #expect(decoded == envelope)
        #expect(Array(decoded.arguments) == [[1][...], [2, 2][...], [3, 3, 3][...]])
    }
}
