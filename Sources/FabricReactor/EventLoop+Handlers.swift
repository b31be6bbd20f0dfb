import CFabricShims

/// Something a loop dispatches I/O events to and closes when it shuts down: a stream, a
/// listener or a connect attempt.
protocol LoopEventHandler: AnyObject {
    /// `events` is the epoll event mask (`CFABRIC_EPOLLIN`, ...).
    func handleEvents(_ events: UInt32)
    /// The loop is shutting down: release the descriptor and report `ReactorError.shutdown`.
    func closeForShutdown()
}

/// The handlers of one loop, keyed by the 64-bit value epoll hands back with each event:
/// a slot index and that slot's generation, so an event for a handler that was removed earlier
/// in the same batch (and whose slot may already be reused) is recognised as stale. Lookup is
/// an array access; no allocation per event.
struct HandlerRegistry {
    private var handlers: ContiguousArray<(any LoopEventHandler)?> = []
    private var generations: ContiguousArray<UInt32> = []
    private var freeSlots: [Int] = []

    mutating func add(_ handler: any LoopEventHandler) -> UInt64 {
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = reused
        } else {
            precondition(handlers.count < Int(Int32.max), "handler registry full: \(handlers.count) handlers")
            slot = handlers.count
            handlers.append(nil)
            generations.append(0)
        }
        handlers[slot] = handler
        return UInt64(generations[slot]) << 32 | UInt64(slot)
    }

    mutating func remove(_ key: UInt64) {
        guard let slot = slot(for: key) else { return }
        handlers[slot] = nil
        generations[slot] &+= 1
        freeSlots.append(slot)
    }

    func handler(for key: UInt64) -> (any LoopEventHandler)? {
        guard let slot = slot(for: key) else { return nil }
        return handlers[slot]
    }

    /// Every registered handler (for shutdown).
    var all: [any LoopEventHandler] { handlers.compactMap { $0 } }

    private func slot(for key: UInt64) -> Int? {
        let slot = Int(key & 0xFFFF_FFFF)
        guard slot < handlers.count, generations[slot] == UInt32(key >> 32), handlers[slot] != nil else { return nil }
        return slot
    }
}

extension EventLoop {
    /// Registers a handler for dispatch and shutdown; returns its key. Loop-only.
    func addHandler(_ handler: any LoopEventHandler) -> UInt64 {
        assertInEventLoop()
        return handlers.add(handler)
    }

    /// Forgets a handler; its pending events in this batch are ignored. Loop-only.
    func removeHandler(_ key: UInt64) {
        assertInEventLoop()
        handlers.remove(key)
    }

    /// Starts watching a descriptor (`EPOLL_CTL_ADD`); 0 or a negative errno.
    func watch(_ descriptor: Int32, key: UInt64, events: UInt32) -> Int32 {
        cfabric_epoll_control(epollDescriptor, EpollOperation.add, descriptor, events, key)
    }

    /// Changes the events a descriptor is watched for (`EPOLL_CTL_MOD`); 0 or a negative errno.
    @discardableResult
    func rewatch(_ descriptor: Int32, key: UInt64, events: UInt32) -> Int32 {
        cfabric_epoll_control(epollDescriptor, EpollOperation.modify, descriptor, events, key)
    }

    /// Stops watching a descriptor (`EPOLL_CTL_DEL`).
    func unwatch(_ descriptor: Int32) {
        _ = cfabric_epoll_control(epollDescriptor, EpollOperation.delete, descriptor, 0, 0)
    }
}
