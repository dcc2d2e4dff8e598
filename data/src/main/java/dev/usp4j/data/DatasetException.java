package dev.usp4j.data;

/**
 * A dataset could not be found, read or decoded: a missing folder, a truncated or malformed file, an image that
 * fails to decode. Unchecked, because {@link Dataset#get} is called from loader threads that cannot sensibly
 * recover; the message always names the file (and, for binary formats, the byte offset and what was expected), so
 * the user can fix the data without a debugger.
 */
public class DatasetException extends RuntimeException {
    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
