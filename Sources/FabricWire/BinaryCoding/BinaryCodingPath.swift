import FabricCore

/// One step of a coding path as the binary coders store it.
///
/// Paths are kept as a chain of frames with one component each and turned into
/// `[any CodingKey]` only when someone asks (`codingPath`) or an error is reported, so that
/// coding a value does not build an array per level.
enum BinaryPathComponent {
    /// The value was handed on within the same slot (a single value container, an optional's
    /// payload): the path does not grow.
    case none
    /// An entry of a keyed container.
    case key(any CodingKey)
    /// An element of an unkeyed container.
    case index(Int)
}

/// The key Codable paths use for a position in an unkeyed container.
struct BinaryIndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }

    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { return nil }
}

/// The key `superEncoder()` and `superDecoder()` use for the superclass's entry.
struct BinarySuperKey: CodingKey {
    var stringValue: String { BinaryWireFormat.superKeyName }
    var intValue: Int? { nil }

    init() {}
    init?(stringValue: String) {
        guard stringValue == BinaryWireFormat.superKeyName else { return nil }
    }
    init?(intValue: Int) { return nil }
}

/// Builds coding paths from frame chains and renders them for error messages.
enum BinaryCodingPath {
    /// Components longer than this are cut in messages: dictionary keys come from the payload.
    static let componentCharactersMax = Limits.codingPathComponentCharactersMax

    /// The path ending at frame `frame`, given how to step from a frame to its parent.
    static func keys(
        endingAt frame: Int,
        step: (Int) -> (parent: Int, component: BinaryPathComponent)
    ) -> [any CodingKey] {
        var keys: [any CodingKey] = []
        var index = frame
        while index >= 0 {
            let (parent, component) = step(index)
            switch component {
            case .none: break
            case .key(let key): keys.append(key)
            case .index(let position): keys.append(BinaryIndexKey(intValue: position))
            }
            index = parent
        }
        keys.reverse()
        return keys
    }

    /// `a.b[3].c`, for messages.
    static func render(_ keys: [any CodingKey]) -> String {
        if keys.isEmpty { return "the top level" }
        var text = ""
        for key in keys {
            if key is BinaryIndexKey, let position = key.intValue {
                text += "[\(position)]"
            } else {
                if !text.isEmpty { text += "." }
                text += String(key.stringValue.prefix(componentCharactersMax))
            }
        }
        return text
    }
}
