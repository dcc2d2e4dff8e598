/** Reading and writing arrays: the safetensors format and the small JSON codec its header needs. */
package dev.usp4j.tensor.io;
