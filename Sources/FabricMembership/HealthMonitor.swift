import Distributed
import FabricActorSystem
import FabricCore
import FabricReactor
import HealthCore

/// The heartbeat monitor of one node: the shell around `HealthMonitorCore` (phi accrual,
/// Akka's defaults) at `/system/health`, on one of the node's loops like the SWIM member.
///
/// It watches every member SWIM sees alive or suspect (the SWIM member tells it), sends each a
/// heartbeat every second as a one-way call on the control lane, and feeds each member's
/// detector with the heartbeats that member sends back. Its verdicts are advice, not
/// membership: a member whose phi passes the threshold is logged and shown
/// (`FabricNode.health(of:)`, `fabric members`), and nothing is downed for it — that stays
/// SWIM's and the resolver's decision (DESIGN.md §6).
public distributed actor HealthMonitor {
    public typealias ActorSystem = FabricActorSystem

    /// The monitor's loop: heartbeats and timers never hop.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { actorSystem.loopExecutor(for: id) }

    private var core: HealthMonitorCore
    private let loop: EventLoop
    private var timer = DeadlineTimer()
    private var peers: [NodeId: HealthMonitor] = [:]
    private var unavailable: Set<NodeId> = []
    private var stopped = false

    /// The monitor of this node (`FabricNode` makes it, once).
    package init(actorSystem: FabricActorSystem, node: NodeId) {
        self.actorSystem = actorSystem
        core = HealthMonitorCore()
        loop = actorSystem.eventLoop(for: ActorID.system("health", on: node))
    }

    /// A heartbeat from `node` (one-way, control lane).
    public distributed func heartbeat(from node: NodeId) {
        guard !stopped else { return }
        carryOut(core.onHeartbeat(from: node, now: loop.now))
    }

    /// Watches exactly `nodes` from now on (the members alive or suspect).
    package func watch(_ nodes: Set<NodeId>) {
        guard !stopped else { return }
        let now = loop.now
        for node in core.monitoredNodes where !nodes.contains(node) {
            core.stopMonitoring(node)
            unavailable.remove(node)
        }
        for node in nodes.sorted() {
            _ = core.startMonitoring(node, now: now)
        }
        rearm()
    }

    /// `node`'s phi now, and whether the detector holds it available; nil when not watched.
    package func reading(of node: NodeId) -> (phi: Double, available: Bool)? {
        guard let phi = core.phi(of: node, now: loop.now), let available = core.isAvailable(node) else { return nil }
        return (phi, available)
    }

    /// Stops: no more heartbeats or timers.
    package func stop() {
        stopped = true
        timer.cancel()
    }

    /// Runs `body` on the monitor's loop without holding the monitor (see `SWIMMember.onLoop`).
    package nonisolated func onLoop(_ body: @escaping @Sendable (isolated HealthMonitor) -> Void) {
        actorSystem.eventLoop(for: id).execute { [weak self] in
            guard let self else { return }
            self.assumeIsolated { body($0) }
        }
    }

    private func carryOut(_ directives: [HealthMonitorDirective]) {
        for directive in directives {
            switch directive {
            case .sendHeartbeat(let node):
                sendHeartbeat(to: node)
            case .nodeUnavailable(let node, let phi):
                unavailable.insert(node)
                actorSystem.log(.info, "health: \(node) unavailable by its heartbeats (phi \(phi))")
            case .nodeAvailable(let node):
                unavailable.remove(node)
                actorSystem.log(.info, "health: \(node) available again")
            }
        }
        rearm()
    }

    private func sendHeartbeat(to node: NodeId) {
        let peer: HealthMonitor
        if let known = peers[node] {
            peer = known
        } else {
            guard let resolved = try? HealthMonitor.resolve(id: ActorID.system("health", on: node), using: actorSystem) else { return }
            peer = resolved
            if peers.count < Limits.membershipPeerReferencesMax { peers[node] = resolved }
        }
        let me = actorSystem.node
        Task {
            try? await withCallOptions(oneWay: true, priority: .control) { try await peer.heartbeat(from: me) }
        }
    }

    private func rearm() {
        guard !stopped else { return }
        timer.aim(at: core.nextDeadline, on: loop) { [weak self] in
            guard let self else { return }
            self.assumeIsolated { monitor in
                monitor.timer.fired()
                guard !monitor.stopped else { return }
                monitor.carryOut(monitor.core.onTimer(now: monitor.loop.now))
            }
        }
    }
}
