namespace CallJoin.Workload;

/// <summary>What a call does: decides its op name, inputs, output, and which calls nest under it.</summary>
internal enum OpKind : byte
{
    OpenAiChat,
    AnthropicMessages,
    Embedding,
    Retrieve,
    Rerank,
    Tool,
    AgentRun,
    AgentStep,
    RagPipeline,
    ChatTurn,
    Evaluation,
    PredictAndScore,
    ModelPredict,
    Scorer,
}
