import FabricCore
import Testing
@testable import FabricWire

@Suite struct FrameDecoderTests {
    typealias Support = WireFramesTestSupport

    /// A mix of kinds and sizes: empty, tiny, large enough to take the read buffer with it,
    /// compressible and not.
    static func sampleFrames(seed: UInt64, sizes: [Int] = [0, 1, 13, 1000, 9000, 70_000, 3, 200_000, 65_536, 17]) -> [Frame] {
        var random = WireFramesRandom(seed: seed)
        return sizes.enumerated().map { index, size in
            let compressible = index % 2 == 0
            let payload = compressible ? (0..<size).map { UInt8($0 % 11) } : random.bytes(count: size)
            let kind = FrameKind.allCases[1 + index % 4]
            return Frame(
                kind: kind, priority: UInt8(index % 4), messageID: UInt64(index) * 0x1_0000_0001,
                payload: payload[...])
        }
    }

    static func encode(
        _ frames: [Frame], checksum: Bool, compressionThresholdBytes: Int?, frameBytesMax: Int = 1 << 20
    ) throws -> [UInt8] {
        let encoder = FrameEncoder(
            frameBytesMax: frameBytesMax, checksum: checksum, compressionThresholdBytes: compressionThresholdBytes)
        var buffer: [UInt8] = []
        for frame in frames {
            try Support.append(
                encoder, kind: frame.kind, priority: frame.priority, messageID: frame.messageID,
                payload: Array(frame.payload), to: &buffer)
        }
        return buffer
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func oneByteAtATimeYieldsTheSameFramesAsAllAtOnce(checksum: Bool, compression: Bool) throws {
        // Sizes kept small: a debug build feeds a byte at a time slowly.
        let frames = Self.sampleFrames(seed: 1, sizes: [0, 1, 13, 1000, 9000, 20_000, 3, 17])
        let bytes = try Self.encode(frames, checksum: checksum, compressionThresholdBytes: compression ? 1024 : nil)
        var whole = Support.decoder(frameBytesMax: 1 << 20, acceptsCompression: compression)
        let atOnce = try Support.decodeAll(bytes, chunk: bytes.count, decoder: &whole)
        var trickle = Support.decoder(frameBytesMax: 1 << 20, acceptsCompression: compression)
        let byByte = try Support.decodeAll(bytes, chunk: 1, decoder: &trickle)
        #expect(atOnce == frames)
        #expect(byByte == frames)
        #expect(trickle.bufferedBytes == 0)
    }

    @Test func randomChunkingThroughTheWriteSpace() throws {
        let frames = Self.sampleFrames(seed: 2)
        let bytes = try Self.encode(frames, checksum: true, compressionThresholdBytes: nil)
        var random = WireFramesRandom(seed: 99)
        var decoder = Support.decoder(frameBytesMax: 1 << 20)
        var decoded: [Frame] = []
        var offset = 0
        var largestCapacity = 0
        while offset < bytes.count {
            let wanted = Int.random(in: 1...40_000, using: &random)
            let written = decoder.withUnsafeWriteSpace(minimumCapacity: wanted) { space in
                #expect(space.count >= wanted)
                let count = min(space.count, bytes.count - offset, wanted)
                bytes[offset..<(offset + count)].withUnsafeBytes { space.copyMemory(from: $0) }
                return count
            }
            offset += written
            while let frame = try decoder.nextFrame() { decoded.append(frame) }
            largestCapacity = max(largestCapacity, decoder.bufferCapacity)
        }
        #expect(decoded == frames)
        // Never more than the largest frame plus one read's worth, whatever the history.
        #expect(largestCapacity <= 200_000 + 32 + 40_000 + FrameDecoder.initialCapacity)
    }

    @Test func largePayloadKeepsItsBytesWhenTheDecoderMovesOn() throws {
        let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let frames = [
            Frame(kind: .call, priority: 0, messageID: 1, payload: big[...]),
            Frame(kind: .reply, priority: 0, messageID: 2, payload: [1, 2, 3][...]),
        ]
        let bytes = try Self.encode(frames, checksum: false, compressionThresholdBytes: nil)
        var decoder = Support.decoder()
        bytes.withUnsafeBytes { decoder.feed($0) }
        let first = try #require(try decoder.nextFrame())
        let second = try #require(try decoder.nextFrame())
        // Overwrite the decoder's buffer with other bytes; the payloads already returned must
        // not change.
        let noise = [UInt8](repeating: 0xEE, count: 150_000)
        noise.withUnsafeBytes { decoder.feed($0) }
        #expect(first.payload == big[...])
        #expect(second.payload == [1, 2, 3][...])
    }

    @Test func lengthIsCheckedBeforeAnyAllocation() throws {
        var decoder = Support.decoder(frameBytesMax: 1 << 20)
        let header: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]
        header.withUnsafeBytes { decoder.feed($0) }
        let error = #expect(throws: WireError.self) { try decoder.nextFrame() }
        #expect(error?.code == .frameTooLarge)
        // Asking for write space must not size the buffer for the declared 4 GiB.
        _ = decoder.withUnsafeWriteSpace(minimumCapacity: 1) { _ in 0 }
        #expect(decoder.bufferCapacity <= FrameDecoder.initialCapacity)
        let again = #expect(throws: WireError.self) { try decoder.nextFrame() }
        #expect(again == error)
    }

    /// A peer that announces a 16 MiB frame and sends it a few bytes at a time: the buffer
    /// holds about what arrived (twice it at most, plus one read), never the announced length.
    /// Before the decoder grew with the bytes, the first write space after the header was
    /// sized for the whole frame.
    @Test func aTrickledLargeFrameHoldsOnlyAboutWhatArrived() throws {
        let claimed = 16 * 1024 * 1024
        var decoder = Support.decoder(frameBytesMax: claimed)
        // The header of a real frame of nearly the claimed size, without the rest of it.
        let payload = [UInt8](repeating: 0xAB, count: claimed - 64)
        let whole = try Self.encode(
            [Frame(kind: .call, priority: 0, messageID: 5, payload: payload[...])], checksum: false,
            compressionThresholdBytes: nil, frameBytesMax: claimed)
        let header = Array(whole.prefix(FrameLayout.headerBytes))
        header.withUnsafeBytes { decoder.feed($0) }
        var arrived = header.count
        var largest = 0
        let slice = [UInt8](repeating: 0xAB, count: 997)
        for _ in 0..<300 {
            #expect(try decoder.nextFrame() == nil)
            let written = decoder.withUnsafeWriteSpace(minimumCapacity: slice.count) { space in
                slice.withUnsafeBytes { space.copyMemory(from: $0) }
                return slice.count
            }
            arrived += written
            largest = max(largest, decoder.bufferCapacity)
            #expect(decoder.bufferCapacity <= 2 * arrived + slice.count + FrameDecoder.initialCapacity)
        }
        #expect(largest < 1024 * 1024, "300 KiB arrived of a 16 MiB frame, the buffer grew to \(largest) bytes")
    }

    /// A 16 MiB frame read 64 KiB or 1 KiB at a time regrows its buffer about log2(16 MiB /
    /// 16 KiB) times, not once per read (a first version copied everything received so far
    /// on every read: 129 copies at 64 KiB, about 8,200 at 1 KiB).
    @Test(arguments: [65_536, 1024])
    func aLargeFrameRegrowsItsBufferLogarithmically(readBytes: Int) throws {
        let claimed = 16 * 1024 * 1024
        let payload = [UInt8](repeating: 0x11, count: claimed - 64)
        let bytes = try Self.encode(
            [Frame(kind: .call, priority: 0, messageID: 3, payload: payload[...])], checksum: false,
            compressionThresholdBytes: nil, frameBytesMax: claimed)
        var decoder = Support.decoder(frameBytesMax: claimed)
        var offset = 0
        var frames = 0
        while offset < bytes.count {
            let count = min(readBytes, bytes.count - offset)
            bytes[offset..<(offset + count)].withUnsafeBytes { decoder.feed($0) }
            offset += count
            while try decoder.nextFrame() != nil { frames += 1 }
        }
        #expect(frames == 1)
        #expect(decoder.reallocations <= 16, "\(decoder.reallocations) buffers for one 16 MiB frame")
    }

    /// The frame that grew its buffer step by step still decodes whole and unchanged.
    @Test func aLargeFrameFedInPiecesDecodesWhole() throws {
        let big = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 131) }
        let frames = [Frame(kind: .call, priority: 0, messageID: 9, payload: big[...])]
        let bytes = try Self.encode(frames, checksum: true, compressionThresholdBytes: nil, frameBytesMax: 4 << 20)
        var decoder = Support.decoder(frameBytesMax: 16 * 1024 * 1024)
        var offset = 0
        var decoded: [Frame] = []
        while offset < bytes.count {
            let written = decoder.withUnsafeWriteSpace(minimumCapacity: 65_536) { space in
                let count = min(space.count, bytes.count - offset, 65_536)
                bytes[offset..<(offset + count)].withUnsafeBytes { space.copyMemory(from: $0) }
                return count
            }
            offset += written
            while let frame = try decoder.nextFrame() { decoded.append(frame) }
        }
        #expect(decoded == frames)
    }

    @Test func lengthOneOverTheLimitIsRejectedAndAtTheLimitAccepted() throws {
        let limit = 64 * 1024
        let encoder = FrameEncoder(frameBytesMax: limit, checksum: true, compressionThresholdBytes: nil)
        var buffer: [UInt8] = []
        try Support.append(
            encoder, kind: .call, messageID: 1, payload: [UInt8](repeating: 7, count: encoder.payloadBytesMax),
            to: &buffer)
        var atLimit = Support.decoder(frameBytesMax: limit)
        #expect(try Support.decodeAll(buffer, chunk: 1000, decoder: &atLimit).count == 1)
        var overLimit = Support.decoder(frameBytesMax: limit - 1)
        let error = #expect(throws: WireError.self) { try Support.decodeAll(buffer, chunk: 1000, decoder: &overLimit) }
        #expect(error?.code == .frameTooLarge)
    }

    @Test func lengthsShorterThanTheHeaderAreRejected() {
        for frameHex in ["00000009 0001 0000000000000000", "0000000d 0011 0000000000000000 000000"] {
            var decoder = Support.decoder()
            let error = #expect(throws: WireError.self) {
                try Support.decodeAll(Support.bytes(hex: frameHex), chunk: 64, decoder: &decoder)
            }
            #expect(error?.code == .frameTooLarge, "\(frameHex)")
        }
    }

    @Test(arguments: [
        (UInt16(0x0005), WireError.Code.badFlags), (0x0007, .badFlags), (0x0201, .badFlags), (0x8001, .badFlags),
        (0x0021, .unsupported), (0x0101, .unsupported), (0x0009, .badFlags), (0x0008, .badFlags),
    ])
    func badFlagsAreRejectedAsSoonAsTheyArrive(flags: UInt16, code: WireError.Code) {
        var decoder = Support.decoder()
        let bytes: [UInt8] = [0, 0, 0, 20, UInt8(flags >> 8), UInt8(flags & 0xFF)]
        bytes.withUnsafeBytes { decoder.feed($0) }
        let error = #expect(throws: WireError.self) { try decoder.nextFrame() }
        #expect(error?.code == code)
    }

    @Test func compressedFramesNeedNegotiationAndNeverCarryAHandshake() throws {
        var buffer = Support.bytes(hex: "0000000a 0009 0000000000000001")
        var closed = Support.decoder(acceptsCompression: false)
        #expect(throws: WireError.self) { try Support.decodeAll(buffer, chunk: 64, decoder: &closed) }
        buffer = Support.bytes(hex: "0000000a 0008 0000000000000000")
        var open = Support.decoder(acceptsCompression: true)
        let error = #expect(throws: WireError.self) { try Support.decodeAll(buffer, chunk: 64, decoder: &open) }
        #expect(error?.code == .badFlags)
    }

    @Test func agreedChecksumsAreRequired() throws {
        var decoder = Support.decoder()
        decoder.requiresChecksum = true
        let checked = Support.bytes(hex: "00000010 0051 0102030405060708 6869 22438a45")
        #expect(try Support.decodeAll(checked, chunk: 64, decoder: &decoder).count == 1)
        // The same frame with its checksum bit flipped off.
        var unchecked = checked
        unchecked[5] = 0x41
        let error = #expect(throws: WireError.self) { try Support.decodeAll(unchecked, chunk: 64, decoder: &decoder) }
        #expect(error?.code == .badFlags)
    }

    @Test func handshakeFramesCarryMessageIDZero() {
        var decoder = Support.decoder()
        let error = #expect(throws: WireError.self) {
            try Support.decodeAll(Support.bytes(hex: "0000000a 0000 0000000000000001"), chunk: 64, decoder: &decoder)
        }
        #expect(error?.code == .malformed)
    }

    @Test func everyFlippedBitIsCaughtByTheChecksum() throws {
        let golden = Support.bytes(hex: "00000010 0051 0102030405060708 6869 22438a45")
        for bit in (6 * 8)..<(golden.count * 8) {
            var corrupt = golden
            corrupt[bit / 8] ^= 1 << (bit % 8)
            var decoder = Support.decoder()
            corrupt.withUnsafeBytes { decoder.feed($0) }
            let error = #expect(throws: WireError.self) { try decoder.nextFrame() }
            #expect(error?.code == .checksumMismatch, "bit \(bit)")
        }
    }

    @Test func compressedFrameRoundTripsAndShrinks() throws {
        let payload = Array(String(repeating: "all work and no play makes a dull frame. ", count: 500).utf8)
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: true, compressionThresholdBytes: 1024)
        var buffer: [UInt8] = []
        try Support.append(encoder, kind: .reply, messageID: 9, payload: payload, to: &buffer)
        #expect(buffer.count < payload.count / 4)
        #expect(FrameFlags(rawValue16: buffer).isCompressed)
        var decoder = Support.decoder(acceptsCompression: true)
        let frames = try Support.decodeAll(buffer, chunk: 7, decoder: &decoder)
        #expect(frames == [Frame(kind: .reply, priority: 1, messageID: 9, payload: payload[...])])
    }

    @Test func decompressedPayloadIsCappedByTheFrameLimit() throws {
        // A frame within the limit whose payload inflates past it (as a hostile peer could send).
        let limit = 64 * 1024
        let roomy = FrameEncoder(frameBytesMax: 1 << 20, checksum: false, compressionThresholdBytes: 1)
        var buffer: [UInt8] = []
        try Support.append(roomy, kind: .call, messageID: 1, payload: [UInt8](repeating: 0, count: 500_000), to: &buffer)
        #expect(buffer.count < limit)
        var decoder = Support.decoder(frameBytesMax: limit, acceptsCompression: true)
        let error = #expect(throws: WireError.self) { try Support.decodeAll(buffer, chunk: buffer.count, decoder: &decoder) }
        #expect(error?.code == .decompressionFailed)
    }

    @Test func handshakeLimitCanBeRaisedAfterTheHandshake() throws {
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: false, compressionThresholdBytes: nil)
        var buffer: [UInt8] = []
        try Support.append(encoder, kind: .call, messageID: 5, payload: [UInt8](repeating: 1, count: 100_000), to: &buffer)
        var decoder = Support.decoder(frameBytesMax: Limits.handshakeBytesMax)
        buffer.prefix(4).withUnsafeBytes { decoder.feed($0) }
        #expect(throws: WireError.self) { try decoder.nextFrame() }
        decoder.frameBytesMax = 1 << 20
        buffer.dropFirst(4).withUnsafeBytes { decoder.feed($0) }
        #expect(try decoder.nextFrame()?.payload.count == 100_000)
    }

    @Test func bufferIsReleasedAfterALargeFrame() throws {
        let encoder = FrameEncoder(frameBytesMax: 1 << 22, checksum: false, compressionThresholdBytes: nil)
        var buffer: [UInt8] = []
        let payload = (0..<2_000_000).map { UInt8(truncatingIfNeeded: $0 / 1000) }
        try Support.append(encoder, kind: .call, messageID: 5, payload: payload, to: &buffer)
        var decoder = Support.decoder(frameBytesMax: 1 << 22)
        buffer.dropLast().withUnsafeBytes { decoder.feed($0) }
        #expect(try decoder.nextFrame() == nil)
        #expect(decoder.bufferCapacity > FrameDecoder.retainedCapacityMax)
        buffer.suffix(1).withUnsafeBytes { decoder.feed($0) }
        #expect(try decoder.nextFrame()?.payload == payload[...])
        #expect(decoder.bufferCapacity <= FrameDecoder.retainedCapacityMax)
    }

    @Test func partialFrameWaitsForMoreBytes() throws {
        let bytes = Support.bytes(hex: "0000000c 0041 0102030405060708 6869")
        var decoder = Support.decoder()
        for count in 0..<bytes.count {
            var fresh = Support.decoder()
            bytes.prefix(count).withUnsafeBytes { fresh.feed($0) }
            #expect(try fresh.nextFrame() == nil, "prefix of \(count) bytes")
        }
        bytes.withUnsafeBytes { decoder.feed($0) }
        #expect(try decoder.nextFrame() != nil)
        #expect(try decoder.nextFrame() == nil)
    }
}

extension FrameFlags {
    /// The flags of the frame at the start of `frame` (test helper; assumes they are valid).
    init(rawValue16 frame: [UInt8]) {
        try! self.init(validating: UInt16(frame[4]) << 8 | UInt16(frame[5]), acceptsCompression: true)
    }
}
