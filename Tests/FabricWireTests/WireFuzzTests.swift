import FabricCore
import Testing
@testable import FabricWire

/// Hostile bytes never crash, hang or over-allocate: decoders either decode or throw a
/// `WireError` (the only error their signatures allow). Every run is reproducible from its
/// seed; a crash names the seed in the test's arguments.
@Suite struct WireFuzzTests {
    typealias Support = WireFramesTestSupport

    /// Outcome counts, so a test can check both paths were exercised.
    struct Tally {
        var decoded = 0
        var rejected = 0
    }

    /// Random bytes, up to 4 KiB (a quarter past 64 bytes); every other string starts with a
    /// plausible header (small length, flags in the meaningful bits) so that the decoder gets
    /// past the length check.
    static func hostileStream(_ random: inout WireFramesRandom) -> [UInt8] {
        var bytes = FuzzMutations.randomBytes(&random)
        if Bool.random(using: &random), bytes.count >= 6 {
            let length = UInt32.random(in: 0...UInt32(bytes.count + 8), using: &random)
            bytes[0...3] = [0, 0, UInt8(length >> 8), UInt8(length & 0xFF)]
            bytes[4] = UInt8.random(in: 0...1, using: &random)
        }
        return bytes
    }

    static func feedAll(_ bytes: [UInt8], decoder: inout FrameDecoder, random: inout WireFramesRandom) -> Tally {
        var tally = Tally()
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + Int.random(in: 1...64, using: &random))
            bytes[offset..<end].withUnsafeBytes { decoder.feed($0) }
            offset = end
            do {
                while let frame = try decoder.nextFrame() {
                    #expect(frame.payload.count <= decoder.frameBytesMax)
                    tally.decoded += 1
                }
            } catch {
                tally.rejected += 1
                return tally
            }
        }
        return tally
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func frameDecoderSurvivesRandomBytes(seed: UInt64) {
        var random = WireFramesRandom(seed: seed)
        var total = Tally()
        for _ in 0..<3000 {
            var decoder = Support.decoder(
                frameBytesMax: Int.random(in: 14...100_000, using: &random),
                acceptsCompression: Bool.random(using: &random))
            let tally = Self.feedAll(Self.hostileStream(&random), decoder: &decoder, random: &random)
            total.decoded += tally.decoded
            total.rejected += tally.rejected
            #expect(decoder.bufferCapacity <= 400_000)
        }
        #expect(total.decoded > 0 && total.rejected > 0)
    }

    @Test(arguments: [4, 5] as [UInt64])
    func frameDecoderSurvivesMutatedValidFrames(seed: UInt64) throws {
        var random = WireFramesRandom(seed: seed)
        let encoder = FrameEncoder(frameBytesMax: 1 << 20, checksum: false, compressionThresholdBytes: 64)
        var valid: [UInt8] = []
        for (index, size) in [0, 100, 200, 300, 3000, 500].enumerated() {
            let payload = (0..<size).map { UInt8($0 % 5) }
            try Support.append(encoder, kind: .call, messageID: UInt64(index), payload: payload, to: &valid)
        }
        var total = Tally()
        for _ in 0..<2000 {
            let mutated = FuzzMutations.mutate(valid, splicing: valid, &random, lengthMax: 64 * 1024)
            var decoder = Support.decoder(frameBytesMax: 1 << 20, acceptsCompression: true)
            let tally = Self.feedAll(mutated, decoder: &decoder, random: &random)
            total.decoded += tally.decoded
            total.rejected += tally.rejected
        }
        #expect(total.decoded > 0 && total.rejected > 0)
    }

    /// Each message decoder, with a re-encoding check for what it accepts: a decoded value
    /// encodes to bytes that decode to the same value.
    static let decoders: [(String, @Sendable (ArraySlice<UInt8>) throws(WireError) -> Bool)] = [
        ("handshake", { (bytes) throws(WireError) in
            let message = try HandshakeMessage.decode(bytes)
            var buffer: [UInt8] = []
            message.encode(into: &buffer)
            return try HandshakeMessage.decode(buffer[...]) == message
        }),
        ("call", { (bytes) throws(WireError) in
            let envelope = try CallEnvelope.decode(bytes)
            var buffer: [UInt8] = []
            try envelope.encode(into: &buffer)
            return try CallEnvelope.decode(buffer[...]) == envelope && buffer == Array(bytes)
        }),
        ("reply", { (bytes) throws(WireError) in
            let reply = try ReplyEnvelope.decode(bytes)
            var buffer: [UInt8] = []
            reply.encode(into: &buffer)
            return try ReplyEnvelope.decode(buffer[...]) == reply
        }),
        ("system", { (bytes) throws(WireError) in
            let message = try SystemMessage.decode(bytes)
            var buffer: [UInt8] = []
            message.encode(into: &buffer)
            return try SystemMessage.decode(buffer[...]) == message && buffer == Array(bytes)
        }),
    ]

    static func validSamples() throws -> [[UInt8]] {
        var samples: [[UInt8]] = []
        for message in HandshakeMessageTests.samples {
            var buffer: [UInt8] = []
            message.encode(into: &buffer)
            samples.append(buffer)
        }
        for envelope in EnvelopeTests.calls.prefix(2) { samples.append(try EnvelopeTests.encode(envelope)) }
        // One large call (arguments of a few KiB), so mutations reach past 64 bytes.
        let large = CallEnvelope(
            recipient: EnvelopeTests.recipient, deadlineBudgetMicroseconds: 7, target: "large",
            arguments: [(0..<3000).map { UInt8($0 % 251) }[...], [1, 2, 3][...], Array(repeating: 9, count: 700)[...]])
        samples.append(try EnvelopeTests.encode(large))
        for reply in EnvelopeTests.replies {
            var buffer: [UInt8] = []
            reply.encode(into: &buffer)
            samples.append(buffer)
        }
        for message in EnvelopeTests.systemMessages {
            var buffer: [UInt8] = []
            message.encode(into: &buffer)
            samples.append(buffer)
        }
        return samples
    }

    @Test(arguments: [6, 7] as [UInt64])
    func messageDecodersSurviveRandomAndMutatedBytes(seed: UInt64) throws {
        var random = WireFramesRandom(seed: seed)
        let samples = try Self.validSamples()
        var accepted = 0
        for round in 0..<4000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = FuzzMutations.randomBytes(&random)
                if round % 4 == 0 { bytes = HandshakeMessage.magic + [UInt8.random(in: 1...3, using: &random)] + bytes }
            } else {
                let sample = samples[Int.random(in: 0..<samples.count, using: &random)]
                let other = samples[Int.random(in: 0..<samples.count, using: &random)]
                bytes = FuzzMutations.mutate(sample, splicing: other, &random)
            }
            for (name, decode) in Self.decoders {
                do {
                    #expect(try decode(bytes[...]), "\(name) re-encoding differs for \(Support.hex(bytes))")
                    accepted += 1
                } catch {
                    continue
                }
            }
        }
        #expect(accepted > 0)
    }
}
