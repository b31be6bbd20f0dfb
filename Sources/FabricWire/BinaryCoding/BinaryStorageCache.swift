import Synchronization

/// Keeps one spare coder storage between calls, so that coding a value does not allocate its
/// bookkeeping (the storage and its node and frame arrays) every time.
///
/// A single slot: taking is one atomic exchange, giving back one compare-and-exchange; a call
/// that finds the slot empty (another thread holds the spare) allocates as before. A storage
/// whose arrays grew past `capacityKept` elements is freed instead of kept, so one huge value
/// does not pin its memory.
struct BinaryStorageCache<Storage: BinaryReusableStorage>: ~Copyable, Sendable {
    /// Arrays larger than this are not kept.
    static var capacityKept: Int { 256 }

    /// The spare storage's address, or 0.
    private let spare = Atomic<UInt>(0)

    init() {}

    /// A storage ready for `setUp`, either the spare one or a new one.
    func take() -> UnsafeMutablePointer<Storage> {
        let address = spare.exchange(0, ordering: .acquiring)
        if let reused = UnsafeMutablePointer<Storage>(bitPattern: address) { return reused }
        let fresh = UnsafeMutablePointer<Storage>.allocate(capacity: 1)
        fresh.initialize(to: Storage())
        return fresh
    }

    /// Returns `storage` (done with) as the spare, or frees it if there already is one.
    func give(_ storage: UnsafeMutablePointer<Storage>) {
        if storage.pointee.clear(keepingCapacityUpTo: Self.capacityKept) {
            let address = UInt(bitPattern: storage)
            if spare.compareExchange(expected: 0, desired: address, ordering: .releasing).exchanged { return }
        }
        storage.deinitialize(count: 1)
        storage.deallocate()
    }
}

/// A coder storage that can be cleared and used again.
protocol BinaryReusableStorage {
    /// An empty storage.
    init()
    /// Forgets everything but the arrays' capacity (up to `limit` elements each); false if the
    /// storage should not be kept.
    mutating func clear(keepingCapacityUpTo limit: Int) -> Bool
}

/// The spare storages of the two coders.
enum BinaryStorageCaches {
    static let encoding = BinaryStorageCache<BinaryEncodingStorage>()
    static let decoding = BinaryStorageCache<BinaryDecodingStorage>()
}
