import FabricCore

/// One step of a run, as a small record: kept in a ring for failure reports, hashed for
/// determinism checks, formatted only when a failure is reported.
public struct SimulationTraceRecord: Sendable, Hashable {
    /// What happened.
    public enum Kind: UInt8, Sendable, CaseIterable {
        /// A node started a life (`value`: its generation).
        case start
        /// A node sent a message to `peer` (`value`: its bytes).
        case send
        /// A message from `peer` was delivered to `node` (`value`: its bytes).
        case deliver
        /// A message from `node` to `peer` was dropped (`value`: the `SimulationDropReason`).
        case drop
        /// A message from `node` to `peer` was duplicated by the network (`value`: its bytes).
        case duplicate
        /// A message to paused `node` from `peer` was held in its inbox (`value`: the inbox depth).
        case hold
        /// A node was woken (`value`: 0 for its deadline, 1 for a requested wake-up, 2 after a resume).
        case wake
        /// A node reported an event to the harness (`value`: events it has reported so far).
        case observe
        /// A node was paused.
        case pause
        /// A paused node was resumed (`value`: the messages that waited for it).
        case resume
        /// A node crashed (`value`: the messages to it that were lost from its inbox).
        case crash
        /// The network was partitioned (`value`: the number of groups).
        case partition
        /// A one-way cut from `node` to `peer`.
        case cut
        /// The partitions and cuts were healed.
        case heal
        /// A scheduled script ran (`value`: its index).
        case script
    }

    /// Simulated nanoseconds.
    public var time: UInt64
    /// What happened.
    public var kind: Kind
    /// The node concerned (index into `Simulation.nodeIDs`), or -1.
    public var node: Int32
    /// The other node concerned, or -1.
    public var peer: Int32
    /// A detail, by kind (see `Kind`).
    public var value: UInt64

    /// A record.
    @inlinable
    public init(time: UInt64, kind: Kind, node: Int32, peer: Int32, value: UInt64) {
        self.time = time
        self.kind = kind
        self.node = node
        self.peer = peer
        self.value = value
    }

    /// Feeds the record into an FNV-1a 64 hash, field by field in little-endian bytes (stable
    /// between processes, unlike `Hasher`).
    @inlinable
    func hash(into hash: inout UInt64) {
        SimulationTrace.fnv(time, into: &hash)
        SimulationTrace.fnv(UInt64(kind.rawValue), bytes: 1, into: &hash)
        SimulationTrace.fnv(UInt64(UInt32(bitPattern: node)), bytes: 4, into: &hash)
        SimulationTrace.fnv(UInt64(UInt32(bitPattern: peer)), bytes: 4, into: &hash)
        SimulationTrace.fnv(value, into: &hash)
    }

    /// One line: `+12.345678s deliver n3 <- n1 (48)`.
    public func formatted(names: [NodeId]) -> String {
        func name(_ index: Int32) -> String {
            index >= 0 && Int(index) < names.count ? names[Int(index)].name : "-"
        }
        let seconds = time / 1_000_000_000
        let micros = String(time % 1_000_000_000 / 1000)
        let clock = "+\(seconds).\(String(repeating: "0", count: 6 - micros.count))\(micros)s"
        let subject = name(node)
        switch kind {
        case .send: return "\(clock) send \(subject) -> \(name(peer)) (\(value) bytes)"
        case .deliver: return "\(clock) deliver \(subject) <- \(name(peer)) (\(value) bytes)"
        case .drop:
            let reason = SimulationDropReason(rawValue: UInt8(truncatingIfNeeded: value)).map { "\($0)" } ?? "\(value)"
            return "\(clock) drop \(subject) -> \(name(peer)) (\(reason))"
        case .duplicate: return "\(clock) duplicate \(subject) -> \(name(peer)) (\(value) bytes)"
        case .hold: return "\(clock) hold for paused \(subject) <- \(name(peer)) (inbox \(value))"
        case .wake: return "\(clock) wake \(subject) (\(["deadline", "requested", "resumed"][Int(min(value, 2))]))"
        case .observe: return "\(clock) observe \(subject) (event \(value))"
        case .start: return "\(clock) start \(subject) (generation \(value))"
        case .pause: return "\(clock) pause \(subject)"
        case .resume: return "\(clock) resume \(subject) (\(value) held)"
        case .crash: return "\(clock) crash \(subject) (\(value) held lost)"
        case .partition: return "\(clock) partition (\(value) groups)"
        case .cut: return "\(clock) cut \(subject) -/-> \(name(peer))"
        case .heal: return "\(clock) heal"
        case .script: return "\(clock) script #\(value)"
        }
    }
}

/// The run's trace: a running FNV-1a 64 hash of every record, and a ring of the last ones.
@usableFromInline
struct SimulationTrace {
    /// FNV-1a 64 offset basis.
    @usableFromInline static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    /// FNV-1a 64 prime.
    @usableFromInline static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// Feeds the low `bytes` bytes of `value`, least significant first.
    @inlinable @inline(__always)
    static func fnv(_ value: UInt64, bytes: Int = 8, into hash: inout UInt64) {
        var rest = value
        for _ in 0..<bytes {
            hash = (hash ^ (rest & 0xFF)) &* prime
            rest >>= 8
        }
    }

    /// The hash of every record so far.
    @usableFromInline var hash = offsetBasis
    /// Records so far.
    @usableFromInline var count: UInt64 = 0
    @usableFromInline var ring: [SimulationTraceRecord] = []
    @usableFromInline let capacity: Int

    @usableFromInline
    init(capacity: Int) {
        self.capacity = max(1, min(capacity, Limits.simulationTraceTailMax))
        ring.reserveCapacity(self.capacity)
    }

    /// Adds a record.
    @inlinable @inline(__always)
    mutating func record(_ record: SimulationTraceRecord) {
        record.hash(into: &hash)
        if ring.count < capacity {
            ring.append(record)
        } else {
            ring[Int(count % UInt64(capacity))] = record
        }
        count += 1
    }

    /// The last records, oldest first.
    var tail: [SimulationTraceRecord] {
        guard ring.count == capacity else { return ring }
        let start = Int(count % UInt64(capacity))
        return Array(ring[start...] + ring[..<start])
    }
}
