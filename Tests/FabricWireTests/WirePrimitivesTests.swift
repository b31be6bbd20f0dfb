import FabricCore
import Testing
@testable import FabricWire

@Suite struct WirePrimitivesTests {
    static func read<Result>(
        _ bytes: [UInt8], _ body: (inout WireReader) throws(WireError) -> Result
    ) throws(WireError) -> Result {
        try WireReader.reading(bytes[...], body)
    }

    @Test func varintRoundTripsAndIsMinimal() throws {
        let values: [UInt64] = [0, 1, 127, 128, 300, 16383, 16384, UInt64(UInt32.max), .max - 1, .max]
        for value in values {
            var buffer: [UInt8] = []
            WireWriter.appendVarint(value, to: &buffer)
            let expectedBytes = max(1, (64 - value.leadingZeroBitCount + 6) / 7)
            #expect(buffer.count == expectedBytes)
            let decoded = try Self.read(buffer) { (reader) throws(WireError) in
                let value = try reader.readVarint()
                try reader.expectEnd()
                return value
            }
            #expect(decoded == value)
        }
        var three: [UInt8] = []
        WireWriter.appendVarint(300, to: &three)
        #expect(three == [0xAC, 0x02])
    }

    @Test func varintRejectsOverflowAndOverlongEncodings() {
        let overflow: [UInt8] = Array(repeating: 0xFF, count: 9) + [0x02]
        #expect(throws: WireError.self) { try Self.read(overflow) { (reader) throws(WireError) in try reader.readVarint() } }
        let eleven: [UInt8] = Array(repeating: 0x80, count: 10) + [0x00]
        let error = #expect(throws: WireError.self) {
            try Self.read(eleven) { (reader) throws(WireError) in try reader.readVarint() }
        }
        #expect(error?.code == .malformed)
        let padded: [UInt8] = [0x81, 0x00]
        let nonMinimal = #expect(throws: WireError.self) {
            try Self.read(padded) { (reader) throws(WireError) in try reader.readVarint() }
        }
        #expect(nonMinimal?.code == .malformed)
        let unterminated: [UInt8] = [0x80, 0x80]
        let truncated = #expect(throws: WireError.self) {
            try Self.read(unterminated) { (reader) throws(WireError) in try reader.readVarint() }
        }
        #expect(truncated?.code == .truncated)
    }

    @Test func fixedWidthIntegersBothByteOrders() throws {
        var buffer: [UInt8] = []
        WireWriter.appendBigEndian(UInt32(0x0102_0304), to: &buffer)
        WireWriter.appendLittleEndian(UInt16(0x0506), to: &buffer)
        WireWriter.appendBigEndian(Int64(-2), to: &buffer)
        #expect(Array(buffer[0..<6]) == [1, 2, 3, 4, 6, 5])
        let (first, second, third) = try Self.read(buffer) { (reader) throws(WireError) in
            (
                try reader.readBigEndian(UInt32.self), try reader.readLittleEndian(UInt16.self),
                try reader.readBigEndian(Int64.self)
            )
        }
        #expect(first == 0x0102_0304 && second == 0x0506 && third == -2)
    }

    @Test func stringsValidateUTF8AndLimits() throws {
        var buffer: [UInt8] = []
        WireWriter.appendString("héllo", to: &buffer)
        #expect(try Self.read(buffer) { (reader) throws(WireError) in try reader.readString(maxBytes: 6) } == "héllo")
        let overLimit = #expect(throws: WireError.self) {
            try Self.read(buffer) { (reader) throws(WireError) in try reader.readString(maxBytes: 5) }
        }
        #expect(overLimit?.code == .limitExceeded)
        let badUTF8: [UInt8] = [2, 0xC3, 0x28]
        let malformed = #expect(throws: WireError.self) {
            try Self.read(badUTF8) { (reader) throws(WireError) in try reader.readString(maxBytes: 10) }
        }
        #expect(malformed?.code == .malformed)
        let short: [UInt8] = [5, 0x61]
        let truncated = #expect(throws: WireError.self) {
            try Self.read(short) { (reader) throws(WireError) in try reader.readString(maxBytes: 10) }
        }
        #expect(truncated?.code == .truncated)
    }

    @Test func countsAreCheckedAgainstRemainingBytesBeforeAllocating() {
        let hugeCount: [UInt8] = [0xFF, 0xFF, 0x03]
        let truncated = #expect(throws: WireError.self) {
            try Self.read(hugeCount) { (reader) throws(WireError) in
                try reader.readCount(max: 100_000, minimumItemBytes: 4)
            }
        }
        #expect(truncated?.code == .truncated)
        let overLimit = #expect(throws: WireError.self) {
            try Self.read(hugeCount) { (reader) throws(WireError) in try reader.readCount(max: 10, minimumItemBytes: 1) }
        }
        #expect(overLimit?.code == .limitExceeded)
    }

    @Test func booleansHaveOneEncoding() {
        let error = #expect(throws: WireError.self) {
            try Self.read([2]) { (reader) throws(WireError) in try reader.readBool() }
        }
        #expect(error?.code == .malformed)
    }

    @Test func trailingBytesAreReported() {
        let error = #expect(throws: WireError.self) {
            try Self.read([1, 2]) { (reader) throws(WireError) in
                _ = try reader.readUInt8()
                try reader.expectEnd()
            }
        }
        #expect(error?.code == .trailingBytes)
    }

    @Test func truncationKeepsWholeCharacters() {
        #expect(WireWriter.truncated("abc", maxBytes: 5) == "abc")
        #expect(WireWriter.truncated("aé", maxBytes: 2) == "a")
        #expect(WireWriter.truncated("éé", maxBytes: 4) == "éé")
        #expect(WireWriter.truncated("👍🏽x", maxBytes: 7) == "")
    }

    @Test func backpatchWritesBigEndianInPlace() {
        var buffer: [UInt8] = [9]
        let offset = WireWriter.reserveUInt32(in: &buffer)
        buffer.append(7)
        WireWriter.storeBigEndian(UInt32(0xA0B0_C0D0), at: offset, in: &buffer)
        #expect(buffer == [9, 0xA0, 0xB0, 0xC0, 0xD0, 7])
    }

    @Test func identifiersValidateOnRead() {
        var buffer: [UInt8] = []
        WireWriter.appendString("bad name", to: &buffer)
        let node = #expect(throws: WireError.self) {
            try Self.read(buffer) { (reader) throws(WireError) in try reader.readNodeId() }
        }
        #expect(node?.code == .malformed)
        var actor: [UInt8] = []
        WireWriter.appendString("n1", to: &actor)
        WireWriter.appendBigEndian(UInt64(1), to: &actor)
        WireWriter.appendString("no-slash", to: &actor)
        let path = #expect(throws: WireError.self) {
            try Self.read(actor) { (reader) throws(WireError) in try reader.readActorID() }
        }
        #expect(path?.code == .malformed)
        var address: [UInt8] = []
        WireWriter.appendString("a b", to: &address)
        WireWriter.appendBigEndian(UInt16(1), to: &address)
        let host = #expect(throws: WireError.self) {
            try Self.read(address) { (reader) throws(WireError) in try reader.readNodeAddress() }
        }
        #expect(host?.code == .malformed)
    }
}
