import Testing
@testable import FabricWire

/// Golden bytes computed by an independent implementation of the layout (a short Python
/// script with a bit-at-a-time CRC32C), not by this encoder: they pin `length`'s coverage
/// (flags + id + payload + trailer), the flag bits and the trailer's byte order.
@Suite struct FrameGoldenTests {
    struct Golden: Sendable, CustomTestStringConvertible {
        var kind: FrameKind
        var priority: UInt8
        var messageID: UInt64
        var payloadHex: String
        var checksum: Bool
        var frameHex: String
        var testDescription: String { "\(kind)\(checksum ? "+crc" : "")" }
    }

    static let goldens: [Golden] = [
        Golden(kind: .handshake, priority: 3, messageID: 0, payloadHex: "46425243", checksum: false,
               frameHex: "0000000e 00c0 0000000000000000 46425243"),
        Golden(kind: .handshake, priority: 3, messageID: 0, payloadHex: "46425243", checksum: true,
               frameHex: "00000012 00d0 0000000000000000 46425243 33cdc3c4"),
        Golden(kind: .call, priority: 1, messageID: 0x0102_0304_0506_0708, payloadHex: "6869", checksum: false,
               frameHex: "0000000c 0041 0102030405060708 6869"),
        Golden(kind: .call, priority: 1, messageID: 0x0102_0304_0506_0708, payloadHex: "6869", checksum: true,
               frameHex: "00000010 0051 0102030405060708 6869 22438a45"),
        Golden(kind: .reply, priority: 1, messageID: 0x0102_0304_0506_0708, payloadHex: "02", checksum: false,
               frameHex: "0000000b 0042 0102030405060708 02"),
        Golden(kind: .reply, priority: 1, messageID: 0x0102_0304_0506_0708, payloadHex: "02", checksum: true,
               frameHex: "0000000f 0052 0102030405060708 02 f1532eac"),
        Golden(kind: .oneway, priority: 0, messageID: 42, payloadHex: "", checksum: false,
               frameHex: "0000000a 0003 000000000000002a"),
        Golden(kind: .oneway, priority: 0, messageID: 42, payloadHex: "", checksum: true,
               frameHex: "0000000e 0013 000000000000002a c426c97b"),
        Golden(kind: .system, priority: 3, messageID: 7, payloadHex: "0100000000deadbeef", checksum: false,
               frameHex: "00000013 00c4 0000000000000007 0100000000deadbeef"),
        Golden(kind: .system, priority: 3, messageID: 7, payloadHex: "0100000000deadbeef", checksum: true,
               frameHex: "00000017 00d4 0000000000000007 0100000000deadbeef 3129645d"),
    ]

    @Test(arguments: goldens)
    func encoderWritesGoldenBytes(_ golden: Golden) throws {
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: golden.checksum, compressionThresholdBytes: nil)
        var buffer: [UInt8] = []
        try WireFramesTestSupport.append(
            encoder, kind: golden.kind, priority: golden.priority, messageID: golden.messageID,
            payload: WireFramesTestSupport.bytes(hex: golden.payloadHex), to: &buffer)
        #expect(WireFramesTestSupport.hex(buffer) == WireFramesTestSupport.hex(WireFramesTestSupport.bytes(hex: golden.frameHex)))
    }

    @Test(arguments: goldens)
    func decoderReadsGoldenBytes(_ golden: Golden) throws {
        let bytes = WireFramesTestSupport.bytes(hex: golden.frameHex)
        var decoder = WireFramesTestSupport.decoder()
        let frames = try WireFramesTestSupport.decodeAll(bytes, chunk: bytes.count, decoder: &decoder)
        #expect(frames.count == 1)
        #expect(frames.first?.kind == golden.kind)
        #expect(frames.first?.priority == golden.priority)
        #expect(frames.first?.messageID == golden.messageID)
        #expect(frames.first.map { Array($0.payload) } == WireFramesTestSupport.bytes(hex: golden.payloadHex))
        #expect(decoder.bufferedBytes == 0)
    }

    @Test(arguments: goldens)
    func lengthCountsEverythingAfterItself(_ golden: Golden) {
        let bytes = WireFramesTestSupport.bytes(hex: golden.frameHex)
        let length = bytes.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        let payloadCount = WireFramesTestSupport.bytes(hex: golden.payloadHex).count
        #expect(length == bytes.count - FrameLayout.lengthFieldBytes)
        #expect(length == 2 + 8 + payloadCount + (golden.checksum ? 4 : 0))
    }
}
