using SlimCap.Cli;

return SlimCapCommand.Run(args);
