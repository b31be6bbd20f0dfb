import Testing
@testable import FabricWire

@Suite struct FrameEncoderTests {
    typealias Support = WireFramesTestSupport

    @Test(arguments: [(false, nil), (true, nil), (false, 100), (true, 100)] as [(Bool, Int?)])
    func inPlaceFramesEqualAppendedFrames(checksum: Bool, threshold: Int?) throws {
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: checksum, compressionThresholdBytes: threshold)
        let payloads: [[UInt8]] = [[], [1], Array(repeating: 5, count: 5000), Array("abc".utf8)]
        var appended: [UInt8] = [0xFE]
        var inPlace: [UInt8] = [0xFE]
        for (index, payload) in payloads.enumerated() {
            try Support.append(encoder, kind: .oneway, priority: 2, messageID: UInt64(index), payload: payload, to: &appended)
            let mark = encoder.beginFrame(in: &inPlace)
            inPlace.append(contentsOf: payload)
            try encoder.endFrame(mark, kind: .oneway, priority: 2, messageID: UInt64(index), in: &inPlace)
        }
        #expect(inPlace == appended)
        var decoder = Support.decoder(acceptsCompression: true)
        let frames = try Support.decodeAll(Array(appended.dropFirst()), chunk: 3, decoder: &decoder)
        #expect(frames.map { Array($0.payload) } == payloads)
    }

    /// A payload given in two parts (a call's header written after its arguments) frames
    /// exactly as the two parts joined, whatever the settings and wherever the cut.
    @Test(arguments: [(false, nil), (true, nil), (false, 100), (true, 100)] as [(Bool, Int?)])
    func twoPartFramesEqualJoinedFrames(checksum: Bool, threshold: Int?) throws {
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: checksum, compressionThresholdBytes: threshold)
        let payloads: [[UInt8]] = [[], [1], Array("abcdef".utf8), Array(repeating: 5, count: 5000)]
        for (index, payload) in payloads.enumerated() {
            for cut in Set([0, payload.count / 3, payload.count]) {
                var joined: [UInt8] = [0xFE]
                try Support.append(encoder, kind: .call, priority: 1, messageID: UInt64(index), payload: payload, to: &joined)
                var twoParts: [UInt8] = [0xFE]
                try payload[cut...].withUnsafeBytes { first in
                    try payload[..<cut].withUnsafeBytes { second in
                        try encoder.append(
                            kind: .call, priority: 1, messageID: UInt64(index), payload: first, then: second, to: &twoParts)
                    }
                }
                var expected: [UInt8] = [0xFE]
                try Support.append(
                    encoder, kind: .call, priority: 1, messageID: UInt64(index), payload: Array(payload[cut...] + payload[..<cut]),
                    to: &expected)
                #expect(twoParts == expected, "payload \(index), cut at \(cut)")
                if cut == 0 || cut == payload.count { #expect(twoParts == joined, "payload \(index), cut at \(cut)") }
            }
        }
        let tooLarge = [UInt8](repeating: 0, count: encoder.payloadBytesMax)
        var buffer: [UInt8] = [7]
        let error = #expect(throws: WireError.self) {
            try tooLarge.withUnsafeBytes { first in
                try [UInt8(1)].withUnsafeBytes { second in
                    try encoder.append(kind: .call, priority: 0, messageID: 1, payload: first, then: second, to: &buffer)
                }
            }
        }
        #expect(error?.code == .frameTooLarge)
        #expect(buffer == [7])
    }

    @Test func oversizedFrameLeavesTheBufferAsItWas() throws {
        let encoder = FrameEncoder(frameBytesMax: 64 * 1024, checksum: true, compressionThresholdBytes: 1)
        let prefix: [UInt8] = [1, 2, 3]
        var buffer = prefix
        let mark = encoder.beginFrame(in: &buffer)
        buffer.append(contentsOf: repeatElement(0, count: encoder.payloadBytesMax + 1))
        let error = #expect(throws: WireError.self) {
            try encoder.endFrame(mark, kind: .call, priority: 0, messageID: 1, in: &buffer)
        }
        #expect(error?.code == .frameTooLarge)
        #expect(buffer == prefix)
        let appendError = #expect(throws: WireError.self) {
            try Support.append(
                encoder, kind: .call, messageID: 1, payload: [UInt8](repeating: 0, count: encoder.payloadBytesMax + 1),
                to: &buffer)
        }
        #expect(appendError?.code == .frameTooLarge)
        #expect(buffer == prefix)
    }

    @Test func payloadAtTheLimitFitsExactly() throws {
        for checksum in [false, true] {
            let encoder = FrameEncoder(frameBytesMax: 64 * 1024, checksum: checksum, compressionThresholdBytes: nil)
            var buffer: [UInt8] = []
            try Support.append(
                encoder, kind: .call, messageID: 1, payload: [UInt8](repeating: 0, count: encoder.payloadBytesMax),
                to: &buffer)
            #expect(buffer.count == FrameLayout.lengthFieldBytes + 64 * 1024)
        }
    }

    @Test func compressionOnlyAboveTheThresholdAndOnlyWhenItShrinks() throws {
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: false, compressionThresholdBytes: 1000)
        var random = WireFramesRandom(seed: 3)
        let cases: [([UInt8], Bool)] = [
            ([UInt8](repeating: 0, count: 999), false),
            ([UInt8](repeating: 0, count: 1000), true),
            (random.bytes(count: 5000), false),
        ]
        for (payload, compressed) in cases {
            var buffer: [UInt8] = []
            try Support.append(encoder, kind: .call, messageID: 1, payload: payload, to: &buffer)
            #expect(FrameFlags(rawValue16: buffer).isCompressed == compressed, "\(payload.count) bytes")
            let mark = encoder.beginFrame(in: &buffer)
            buffer.append(contentsOf: payload)
            try encoder.endFrame(mark, kind: .call, priority: 0, messageID: 2, in: &buffer)
            #expect(FrameFlags(rawValue16: Array(buffer[mark.start...])).isCompressed == compressed)
        }
    }

    @Test func handshakeFramesAreNeverCompressed() throws {
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: false, compressionThresholdBytes: 1)
        var buffer: [UInt8] = []
        try Support.append(encoder, kind: .handshake, messageID: 0, payload: [UInt8](repeating: 0, count: 4096), to: &buffer)
        #expect(!FrameFlags(rawValue16: buffer).isCompressed)
    }

    @Test func flagsRoundTripTheirParts() throws {
        for kind in FrameKind.allCases {
            for priority in UInt8(0)...3 {
                var flags = FrameFlags(kind: kind, priority: priority)
                flags.isChecksummed = true
                flags.isCompressed = kind != .handshake
                let parsed = try FrameFlags(validating: flags.rawValue, acceptsCompression: true)
                #expect(parsed == flags)
                #expect(parsed.kind == kind && parsed.priority == priority && parsed.isChecksummed)
                #expect(parsed.isCompressed == (kind != .handshake))
            }
        }
    }
}
