Console.WriteLine("Channels sample: being written");
