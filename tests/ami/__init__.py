# This file is part of the Central de Atendimento SEE project.
