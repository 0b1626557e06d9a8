namespace CallJoin.Service.Pipeline.Late;

/// <summary>A call to look up: its project and id.</summary>
internal readonly record struct LookupKey(string ProjectId, string Id);
