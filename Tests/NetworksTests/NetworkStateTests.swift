import Networks
import Testing
import TestSupport

/// A network's state (parameters, gradients, buffers) apart from the workspaces that run it.
@Suite struct NetworkStateTests {
    @Test("A copied state holds the parameters and buffers, no gradients, and follows no later change")
    func copiedState() throws {
        let network = try SPARNet(.tiny, batch: 1, seed: 4)
        let copy = NetworkState(copying: network.memory.state)
        #expect(!copy.hasGradients && copy.parameterGradients.count == 0)
        #expect(Array(copy.parameters.buffer) == Array(network.memory.parameters.buffer))
        #expect(Array(copy.buffers.buffer) == Array(network.memory.buffers.buffer))
        network.memory.parameters.base[0] += 1
        #expect(copy.parameters.base[0] != network.memory.parameters.base[0])
    }

    @Test("Workspaces over one state share its parameters and gradients, each with activations of its own")
    func workspacesShareOneState() throws {
        let first = try MultiScaleDiscriminator(.tiny, batch: 1, seed: 2)
        let second = try MultiScaleDiscriminator(.tiny, batch: 1, state: first.memory.state)
        #expect(first.memory.state === second.memory.state)
        var random = TestRandom(seed: 3)
        first.memory.copy(random.uniform(first.input.count).floats, into: first.input)
        second.memory.copy(random.uniform(second.input.count).floats, into: second.input)
        first.forward(training: false)
        second.forward(training: false)
        let score = first.scales[0].score
        #expect(Array(first.memory.values(score)) != Array(second.memory.values(score)))
    }

    @Test("A spectral-norm power iteration on another state moves only that state's u and v")
    func powerIterationOnAnotherState() throws {
        var configuration = SPARNetConfiguration.tiny
        (configuration.spectralNorm, configuration.norm) = (true, .instance)   // no running statistics
        let network = try SPARNet(configuration, batch: 1, seed: 5)
        let average = NetworkState(copying: network.memory.state)
        let ownBuffers = Array(network.memory.buffers.buffer), parameters = Array(average.parameters.buffer)
        network.advanceSpectralNorms(of: average)
        #expect(Array(network.memory.buffers.buffer) == ownBuffers)
        #expect(Array(average.parameters.buffer) == parameters)
        #expect(Array(average.buffers.buffer) != ownBuffers)
        // The same iteration a training forward makes on the network's own state.
        network.memory.copy([Float](repeating: 0.1, count: network.input.count), into: network.input)
        network.forward(training: true)
        #expect(Array(network.memory.buffers.buffer) == Array(average.buffers.buffer))
    }
}
