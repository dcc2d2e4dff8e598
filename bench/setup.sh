# Sourced by the bench/run-*.sh scripts from the repository root: picks Java 25 (JAVA_HOME if it is 25, else
# Temurin 25), builds the jars unless SKIP_BUILD is set, and reads into JVM_FLAGS the flags ./usp trains with
# (kept in one place: the launcher's USP4J_JVM_FLAGS line), so that benchmarks run as users do.
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
if [ ! -x "$JAVA_HOME/bin/java" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q '"25'; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
if [ -z "${SKIP_BUILD:-}" ]; then
    mvn -B -q -DskipTests package
fi
read -r -a JVM_FLAGS <<< "$(sed -n 's/^USP4J_JVM_FLAGS="\(.*\)"$/\1/p' usp)"

workload_args() {  # training-step workload -> TrainStepBench / train_step_torch.py arguments
    case "$1" in
        dit8) echo "net=dit model=DiT-S/2 side=8" ;;
        dit16) echo "net=dit model=DiT-S/2 side=16" ;;
        mae8) echo "net=mae model=MAE-ViT-S/2 side=8" ;;
        mae16) echo "net=mae model=MAE-ViT-S/2 side=16" ;;
        vae) echo "net=vae model=VAE-f4-small" ;;
        *) echo "unknown workload '$1' (dit8 dit16 mae8 mae16 vae)" >&2; exit 2 ;;
    esac
}
