import Testing
@testable import FabricWire

/// The example of the format's documentation.
private struct Point: Codable, Equatable {
    var x: Int32
    var name: String
}

private struct Tagged: Codable, Equatable {
    var id: UInt16
    var scores: [Int?]
    var labels: [Int: Bool]
    var note: String?
    var kind: Kind
}

private enum Kind: Codable, Equatable {
    case plain
    case sized(width: UInt8)
}

/// Pins the format: any change to these bytes is a wire protocol change.
@Suite struct BinaryCodingGoldenTests {
    @Test func documentedExample() throws {
        let bytes = try BinaryEncoder().encode(Point(x: 1, name: "a"))
        #expect(bytes == [0x08, 0x0F, 0x02, 0x78, 0x05, 0x01, 0x00, 0x00, 0x00, 0x08, 0x6E, 0x61, 0x6D, 0x65, 0x03, 0x01, 0x61])
        #expect(try BinaryDecoder().decode(Point.self, from: bytes) == Point(x: 1, name: "a"))
    }

    @Test func structWithEveryContainerKind() throws {
        let value = Tagged(id: 0x0102, scores: [7, nil], labels: [-1: true], note: nil, kind: .sized(width: 9))
        let expected: [UInt8] = [
            0x10, 0x40,                                  // keyed, 4 entries, 64 bytes
            0x04, 0x69, 0x64, 0x03, 0x02, 0x01,          // "id": 2 bytes, 0x0102
            0x0C, 0x73, 0x63, 0x6F, 0x72, 0x65, 0x73,    // "scores"
            0x0D, 0x0A, 0x01, 0x09,                      // 12 bytes: unkeyed with nils, 2 elements, 1 untagged, 9 bytes
            0x07, 0, 0, 0, 0, 0, 0, 0,                   // 7
            0x00,                                        // nil
            0x0C, 0x6C, 0x61, 0x62, 0x65, 0x6C, 0x73,    // "labels"
            0x06, 0x04, 0x03, 0x03, 0x02, 0x01,          // 5 bytes: keyed, 1 entry, 3 bytes; key -1 (zigzag 1, integer); 1 byte: true
            0x08, 0x6B, 0x69, 0x6E, 0x64,                // "kind" ("note" is nil and left out)
            0x14, 0x04, 0x11,                            // 19 bytes: keyed, 1 entry, 17 bytes
            0x0A, 0x73, 0x69, 0x7A, 0x65, 0x64,          // "sized"
            0x0B, 0x04, 0x08,                            // 10 bytes: keyed, 1 entry, 8 bytes
            0x0A, 0x77, 0x69, 0x64, 0x74, 0x68,          // "width"
            0x02, 0x09,                                  // 1 byte: 9
        ]
        let actual = try BinaryEncoder().encode(value)
        #expect(actual == expected, "\(actual.map { String($0, radix: 16) })")
        #expect(try BinaryDecoder().decode(Tagged.self, from: expected) == value)
    }

    @Test func topLevelValues() throws {
        #expect(try BinaryEncoder().encode([UInt8](arrayLiteral: 1, 2, 3)) == [0x0D, 0x03, 1, 2, 3])
        #expect(try BinaryEncoder().encode("é") == [0x02, 0xC3, 0xA9])
        #expect(try BinaryEncoder().encode(Int16(-2)) == [0xFE, 0xFF])
        #expect(try BinaryEncoder().encode(1.0) == [0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        #expect(try BinaryEncoder().encode(true) == [1])
        #expect(try BinaryEncoder().encode(nil as Int?) == [])
        #expect(try BinaryEncoder().encode(Int8??.some(nil)) == [0])
        #expect(try BinaryEncoder().encode(Int8??.some(.some(3))) == [1, 3])
        #expect(try BinaryEncoder().encode([String]()) == [0x01, 0x00])
        #expect(try BinaryEncoder().encode(Kind.plain) == [0x04, 0x09, 0x0A, 0x70, 0x6C, 0x61, 0x69, 0x6E, 0x03, 0x00, 0x00])
    }

    @Test func varints() throws {
        var bytes: [UInt8] = []
        for value: UInt64 in [0, 127, 128, 16_383, 16_384, .max] {
            let before = bytes.count
            BinaryWireFormat.appendVarint(value, to: &bytes)
            #expect(bytes.count - before == BinaryWireFormat.varintSize(value))
        }
        #expect(bytes == [0x00, 0x7F, 0x80, 0x01, 0xFF, 0x7F, 0x80, 0x80, 0x01,
                          0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        let decoded = try bytes.withUnsafeBytes { raw throws(WireError) -> [UInt64] in
            var position = 0
            var values: [UInt64] = []
            while position < raw.count { values.append(try BinaryWireFormat.readVarint(raw, at: &position, end: raw.count)) }
            return values
        }
        #expect(decoded == [0, 127, 128, 16_383, 16_384, .max])
        for value: Int64 in [0, -1, 1, .min, .max, -64, 63] {
            #expect(BinaryWireFormat.unzigzag(BinaryWireFormat.zigzag(value)) == value)
        }
        #expect(BinaryWireFormat.zigzag(-1) == 1)
        #expect(BinaryWireFormat.zigzag(1) == 2)
    }
}
