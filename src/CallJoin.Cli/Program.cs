using CallJoin.Cli;

return await CallJoinCommandLine.RunAsync(args).ConfigureAwait(false);
