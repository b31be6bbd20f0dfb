import FabricCore
import FabricReactor
import FabricWire

/// System frames: keepalive pings, gossip of known peers, and goodbyes.
extension Connection {
    func receiveSystem(_ frame: Frame) {
        // A kind a newer peer added: skipped whole (the frame delimits it) when both sides
        // agreed to; otherwise it falls through to `decode`, a protocol error that closes.
        if agreement?.skipsUnknownSystemMessages == true, let tag = SystemMessage.unknownTag(in: frame.payload) {
            transport.counters.add(.unknownSystemMessagesSkipped)
            transport.log(.debug, "\(self): skipped a system message of unknown kind \(tag) (\(frame.payload.count) bytes)")
            return
        }
        let message: SystemMessage
        do {
            message = try SystemMessage.decode(frame.payload)
        } catch {
            protocolError(error)
            return
        }
        switch message {
        case .ping(let token):
            sendSystem(.pong(token))
        case .pong:
            break  // lastReceived was already updated by the read
        case .peers(let peers):
            transport.learn(peers, from: self)
        case .goodbye(let reason):
            transport.log(.info, "\(self): peer is leaving: \(reason)")
            if phase == .ready { move(to: .draining) }
            transport.connectionIsDraining(self)
            if pendingCalls.isEmpty {
                close(FabricError(.nodeUnreachable, "\(remoteNode?.name ?? "peer") left: \(reason)"))
            }
        }
    }

    package func sendSystem(_ message: SystemMessage) {
        var payload: [UInt8] = []
        message.encode(into: &payload)
        try? send(OutboundMessage(kind: .system, priority: 3, messageID: 0, payload: payload))
    }

    /// Every `keepaliveInterval`: ping when nothing was sent for that long; close when nothing was
    /// received for `idleTimeout` (the peer is gone or wedged).
    func armKeepalive() {
        keepaliveTimer = loop.scheduleTimer(after: limits.keepaliveInterval) { [self] in
            guard self.phase == .ready || self.phase == .draining else { return }
            let now = self.loop.now
            // While this node holds its reads the peer's bytes wait in the kernel: silence
            // then says nothing about the peer (`releaseReading` restarts the count).
            if self.readHolds == 0, now.duration(since: self.lastReceived) > self.limits.idleTimeout {
                self.close(FabricError(.nodeUnreachable, "\(self.remoteNode?.name ?? "peer") silent for \(self.limits.idleTimeout)"))
                return
            }
            if self.closeIfFrameIsOverdue(now: now) { return }
            if now.duration(since: self.lastSent) >= self.limits.keepaliveInterval
                || now.duration(since: self.lastReceived) >= self.limits.keepaliveInterval
            {
                self.pingToken &+= 1
                self.sendSystem(.ping(self.pingToken))
            }
            self.armKeepalive()
        }
    }
}
