import Fabric

/// One value with its version, as the store returns it.
public struct Entry: Codable, Sendable, Hashable {
    public var key: String
    public var value: String
    public var version: Int

    public init(key: String, value: String, version: Int) {
        self.key = key
        self.value = value
        self.version = version
    }
}

/// What a `put` carries: a key, a value, and optionally the version the writer expects to
/// replace (compare-and-set).
public struct Write: Codable, Sendable, Hashable {
    public var key: String
    public var value: String
    public var expectedVersion: Int?

    public init(key: String, value: String, expectedVersion: Int? = nil) {
        self.key = key
        self.value = value
        self.expectedVersion = expectedVersion
    }
}

/// The errors a store throws; `Codable`, so callers on other nodes get them back as themselves
/// once they call `registerStoreErrors(on:)`.
public enum StoreError: Error, Codable, Sendable, Hashable {
    case keyNotFound(String)
    case versionConflict(key: String, expected: Int, actual: Int)
}

/// What a reader of a store needs: a client that should not depend on `Store` itself resolves
/// `$KeyValueReading` (made by the `@Resolvable` macro) and calls through this protocol.
@Resolvable
public protocol KeyValueReading: DistributedActor where ActorSystem == FabricActorSystem {
    distributed func get(_ key: String) throws -> Entry
    distributed func keys() -> [String]
}

/// A key-value store that lives on one node; any node can call it.
public distributed actor Store: KeyValueReading {
    public typealias ActorSystem = FabricActorSystem

    private var entries: [String: Entry] = [:]

    public init(actorSystem: FabricActorSystem) {
        self.actorSystem = actorSystem
    }

    /// Stores `write.value` under `write.key` and returns the new entry.
    public distributed func put(_ write: Write) throws -> Entry {
        let current = entries[write.key]?.version ?? 0
        if let expected = write.expectedVersion, expected != current {
            throw StoreError.versionConflict(key: write.key, expected: expected, actual: current)
        }
        let entry = Entry(key: write.key, value: write.value, version: current + 1)
        entries[write.key] = entry
        return entry
    }

    /// The entry under `key`.
    public distributed func get(_ key: String) throws -> Entry {
        guard let entry = entries[key] else { throw StoreError.keyNotFound(key) }
        return entry
    }

    /// Every key, sorted.
    public distributed func keys() -> [String] {
        entries.keys.sorted()
    }

    /// The entries whose keys start with `prefix`, by key.
    public distributed func scan(prefix: String) -> [String: Entry] {
        entries.filter { $0.key.hasPrefix(prefix) }
    }
}

/// Makes `StoreError`s thrown on other nodes arrive as themselves.
public func registerStoreErrors(on system: FabricActorSystem) {
    system.registerError(StoreError.self)
}
