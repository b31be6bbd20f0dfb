import Dispatch
import Distributed
import Fabric
import FabricTestKit
import Synchronization
import Testing
@testable import FabricActorSystem

/// The registry never makes a strong reference to an actor under its lock (issue 14, §4): an
/// actor whose last owner lets go while a lookup holds such a reference would run its deinit —
/// which resigns, taking the same lock — inside the lookup. Looking up and counting actors while
/// others are made and dropped on other threads must neither deadlock nor lose an entry.
@Suite struct ActorRegistryTests {
    distributed actor Ephemeral {
        typealias ActorSystem = FabricActorSystem
        distributed func ping() -> Int { 1 }
    }

    @Test func lookupsWhileActorsDieOnOtherThreadsNeitherDeadlockNorLeak() async throws {
        let cluster = try await LocalCluster.start(names: ["solo"])
        let system = cluster["solo"].system
        let rounds = 20_000
        let stop = Atomic<Bool>(false)
        let lookups = Atomic<Int>(0)
        // One thread looks up and counts all the time, at the paths the others are using.
        let looker = Task.detached {
            var index = 0
            while !stop.load(ordering: .relaxed) {
                _ = system.registry.count
                _ = system.registry.actor(at: "/temp/\(index % 64)")
                index &+= 1
                lookups.add(1, ordering: .relaxed)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<(rounds / 4) {
                        let actor = Ephemeral(actorSystem: system)
                        _ = system.registry.actor(at: actor.id.path)  // a lookup racing this actor's end
                    }
                }
            }
        }
        stop.store(true, ordering: .relaxed)
        await looker.value
        #expect(lookups.load(ordering: .relaxed) > 0)
        // Every actor resigned on its way out: none is left behind.
        #expect(system.registry.count == 0, "\(system.registry.count) dead actors still registered")
        await cluster.shutdown()
    }
}
