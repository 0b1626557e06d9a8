namespace CallJoin.Workload;

/// <summary>The objects a workload's inputs and outputs refer to, in <see cref="WorkloadCatalog"/> order.</summary>
internal enum CatalogObject
{
    SupportAgent,
    RagModel,
    QAModel,
    ChatBot,
    Evaluation,
    Dataset,
    VectorStore,
    Document,
    Prompt,
    HallucinationFreeScorer,
}
