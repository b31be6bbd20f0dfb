// kv-node: one process of the key-value sample. Each node hosts a `Store` named "store"; any
// node or client can call the store of any node by that node's name.
//
//   kv-node --name NAME --listen HOST:PORT [--seed HOST:PORT]...
#if canImport(Glibc)
import Glibc
#endif
import Fabric
import KeyValueStore

/// Writes a line straight to a file descriptor (no stdio buffering: a test reads the log live).
func writeLine(_ text: String, to descriptor: Int32 = 1) {
    var line = text + "\n"
    line.withUTF8 { _ = write(descriptor, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    writeLine("kv-node: \(message)\nusage: kv-node --name NAME --listen HOST:PORT [--seed HOST:PORT]...", to: 2)
    exit(2)
}

var name: NodeId?
var listen: NodeAddress?
var seeds: [NodeAddress] = []
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fail("\(flag) needs a value") }
    switch flag {
    case "--name":
        do { name = try NodeId(value) } catch { fail("--name: \(error.message)") }
    case "--listen":
        do { listen = try NodeAddress(parsing: value) } catch { fail("--listen: \(error.message)") }
    case "--seed":
        do { seeds.append(try NodeAddress(parsing: value)) } catch { fail("--seed: \(error.message)") }
    default:
        fail("unknown flag \(flag)")
    }
}
guard let name, let listen else { fail("--name and --listen are required") }

// Block SIGTERM and SIGINT in every thread (the node's threads inherit the mask) so that the
// main thread can wait for them with sigtimedwait.
var signals = sigset_t()
sigemptyset(&signals)
sigaddset(&signals, SIGTERM)
sigaddset(&signals, SIGINT)
pthread_sigmask(SIG_BLOCK, &signals, nil)

let node = try FabricNode(FabricNodeConfiguration(name: name, listen: listen, seeds: seeds))
registerStoreErrors(on: node.system)
try node.system.make(name: "store") { Store(actorSystem: node.system) }
// Subscribed before anything else happens: the seeds already dialed are replayed.
let events = node.events
// Detached: top-level code runs on the main actor, whose thread waits for signals below.
let peerLines = Task.detached {
    // A restart is the old process going down; the new one's `.connected` follows.
    for try await event in events {
        if event.kind == .connected {
            writeLine("fabric-event peer-up node=\(event.node)")
        } else if event.kind == .disconnected || event.kind == .restarted {
            writeLine("fabric-event peer-down node=\(event.node)")
        }
    }
}
writeLine("fabric-event ready node=\(name) listen=\(listen) generation=\(String(node.generation, radix: 16))")

// Runs until SIGTERM or SIGINT, or until the test process that started it is gone.
let parent = getenv("FABRIC_EXIT_WITH_PARENT").flatMap { pid_t(String(cString: $0)) }
while true {
    var timeout = timespec(tv_sec: 0, tv_nsec: 200_000_000)
    if sigtimedwait(&signals, nil, &timeout) > 0 { break }
    if let parent, kill(parent, 0) != 0, errno == ESRCH { break }
}
await node.leave()
peerLines.cancel()
