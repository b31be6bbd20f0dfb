import CFabricShims
import FabricCore
import Glibc

/// Accepting: until `EAGAIN` or the per-turn budget, handing each connection to the next loop,
/// and backing off when the process is out of descriptors or memory.
extension TCPListener: LoopEventHandler {
    func handleEvents(_ events: UInt32) {
        var accepts = 0
        while !isClosed, !isBackingOff, accepts < Limits.listenerAcceptsPerTurnMax {
            accepts += 1
            var address = SocketAddress(storage: sockaddr_storage(), length: 0)
            let result = acceptOne(into: &address)
            if result >= 0 {
                acceptedConnections.wrappingAdd(1, ordering: .relaxed)
                handOff(descriptor: result, remote: address)
                continue
            }
            switch AcceptErrorPolicy.action(forErrno: -result) {
            case .retry:
                continue
            case .drained:
                return
            case .skip:
                acceptErrors.wrappingAdd(1, ordering: .relaxed)
            case .backOff:
                acceptErrors.wrappingAdd(1, ordering: .relaxed)
                backOff()
                return
            }
        }
    }

    func closeForShutdown() {
        closeOnLoop()
    }

    /// `accept4`, or an injected failure; the new descriptor or a negative errno.
    private func acceptOne(into address: inout SocketAddress) -> Int32 {
        let injected: Int32? = injectedFailures.withLock { failures in
            guard failures.count > 0 else { return nil }
            failures.count -= 1
            return failures.errno
        }
        if let injected { return -injected }
        return cfabric_accept(descriptor, &address.storage, &address.length)
    }

    /// Gives the connection to the next loop in turn, as a stream made on that loop.
    private func handOff(descriptor accepted: Int32, remote: SocketAddress) {
        let target = targetLoops[nextTargetIndex % targetLoops.count]
        nextTargetIndex = (nextTargetIndex + 1) % targetLoops.count
        let onAccept = self.onAccept
        if target === loop {
            onAccept(TCPStream(descriptor: accepted, loop: target, remote: remote))
            return
        }
        let delivered = target.submitFromOtherThread(.closure {
            onAccept(TCPStream(descriptor: accepted, loop: target, remote: remote))
        })
        if !delivered { Socket.close(accepted) }
    }

    /// Stops polling for `acceptBackoff`, then resumes.
    private func backOff() {
        guard let handlerKey else { return }
        backoffs.wrappingAdd(1, ordering: .relaxed)
        isBackingOff = true
        loop.rewatch(descriptor, key: handlerKey, events: 0)
        backoffTimer = loop.scheduleTimer(after: acceptBackoff) { [self] in
            backoffTimer = nil
            isBackingOff = false
            guard !isClosed, let key = self.handlerKey else { return }
            loop.rewatch(descriptor, key: key, events: CFABRIC_EPOLLIN)
        }
    }
}
