import { memoryAdapter } from "../../src/adapters/memory.js";
import { storeContract } from "./contract.js";

storeContract("memory", async (schema) => ({ store: memoryAdapter().bind(schema), cleanup: async () => {} }));
