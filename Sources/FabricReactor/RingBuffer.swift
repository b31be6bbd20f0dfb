/// A first-in first-out queue over a circular array: O(1) append and removal at the front, and
/// no allocation once it has grown to its working size (the loop's run queue, a stream's
/// pending output).
struct RingBuffer<Element> {
    private var storage: ContiguousArray<Element?>
    private var head = 0
    private(set) var count = 0

    init(initialCapacity: Int = 16) {
        precondition(initialCapacity > 0, "ring buffer capacity must be positive, got \(initialCapacity)")
        storage = ContiguousArray(repeating: nil, count: initialCapacity)
    }

    var isEmpty: Bool { count == 0 }

    /// The element `offset` places from the front.
    subscript(offset: Int) -> Element {
        get {
            precondition(offset >= 0 && offset < count, "ring buffer offset \(offset) outside 0..<\(count)")
            return storage[physicalIndex(offset)]!
        }
        set {
            precondition(offset >= 0 && offset < count, "ring buffer offset \(offset) outside 0..<\(count)")
            storage[physicalIndex(offset)] = newValue
        }
    }

    var first: Element? { isEmpty ? nil : storage[head] }
    var last: Element? { isEmpty ? nil : storage[physicalIndex(count - 1)] }

    mutating func append(_ element: Element) {
        if count == storage.count { grow() }
        storage[physicalIndex(count)] = element
        count += 1
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head].take()
        head = head + 1 == storage.count ? 0 : head + 1
        count -= 1
        if count == 0 { head = 0 }
        return element
    }

    /// Removes every element, keeping the storage for reuse.
    mutating func removeAll() {
        while popFirst() != nil {}
    }

    private func physicalIndex(_ offset: Int) -> Int {
        let index = head + offset
        return index < storage.count ? index : index - storage.count
    }

    private mutating func grow() {
        var larger = ContiguousArray<Element?>(repeating: nil, count: storage.count * 2)
        for offset in 0..<count { larger[offset] = storage[physicalIndex(offset)].take() }
        storage = larger
        head = 0
    }
}
